from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from contest.models import Contest, Entry, Unit


class Round(models.Model):
    """A stage of a contest (preliminary, final); each round has its own rubric and ranking."""

    class Kind(models.TextChoices):
        PRELIMINARY = "preliminary", _("Preliminary round")
        FINAL = "final", _("Final round")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for scoring")
        CLOSED = "closed", _("Closed")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    # How serious each kind of schedule problem is for this round ("blocking", "warning" or
    # "off"), over the defaults of scheduling.checks.DEFAULT_SEVERITY.
    problem_severities = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["contest", "sequence"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        constraints = [
            models.UniqueConstraint(fields=["contest", "sequence"], name="round_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contest} · {self.name}"


class RoundTransition(models.Model):
    """Append-only record of every status change of a round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=Round.Status.choices)
    to_status = models.CharField(max_length=12, choices=Round.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Room(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    # When the room may be used (a hall booked for the morning); blank: any time.
    available_from = models.DateTimeField(_("available from"), null=True, blank=True)
    available_until = models.DateTimeField(_("available until"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "name"], name="room_name_unique"),
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_until__isnull=True)
                | Q(available_until__gt=F("available_from")),
                name="room_availability_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Panel(models.Model):
    """A judging panel (Ban giám khảo); sessions are judged by one panel."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(_("name"), max_length=200)
    minimum_size = models.PositiveSmallIntegerField(_("minimum size"), default=3)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "name"], name="panel_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class PanelSeat(models.Model):
    class Role(models.TextChoices):
        HEAD_JUDGE = "head_judge", _("Head judge")
        JUDGE = "judge", _("Judge")

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="seats")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_seats"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.JUDGE)
    # The judge's own unit: entries of this unit are never shown to or scored by this judge.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["panel", "order"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "judge"], name="seat_judge_once_per_panel"),
            models.UniqueConstraint(
                fields=["panel"], condition=Q(role="head_judge"), name="seat_one_head_judge"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.panel_id}: {self.judge_id} ({self.role})"


class Session(models.Model):
    """A sitting of a round in one room before one panel; a cluster (cụm) is one session."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sessions")
    name = models.CharField(_("name"), max_length=200)
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    panel = models.ForeignKey(
        Panel, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per presentation"), default=15)
    changeover_minutes = models.PositiveSmallIntegerField(_("changeover minutes"), default=3)
    # The slot now on stage, advanced by the secretary or head judge.
    current_position = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="session_name_unique"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=1), name="session_slot_length"),
        ]

    def __str__(self) -> str:
        return f"{self.round.name} · {self.name}"


class Slot(models.Model):
    """An entry's place in a session's running order."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="slots")
    # Denormalised from session so the database can hold "one slot per entry per round".
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="slots")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="slots")
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "entry"], name="slot_entry_once_per_round"),
            models.UniqueConstraint(fields=["session", "position"], name="slot_position_unique"),
            models.CheckConstraint(
                condition=Q(position__isnull=True) | Q(position__gte=1),
                name="slot_position_from_1",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True) | Q(planned_end__gt=F("planned_start")),
                name="slot_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} #{self.position}: {self.entry_id}"


class Draw(models.Model):
    """A witnessed draw of a session's running order (bốc thăm), re-runnable from its seed."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="draws")
    algorithm = models.CharField(max_length=40)
    seed = models.CharField(max_length=64)
    # Entry ids in the canonical order they were fed to the algorithm, and the order it gave.
    input_entries = models.JSONField()
    result_entries = models.JSONField()
    witnesses = models.TextField(_("witnesses"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["session", "-drawn_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=Q(is_current=True), name="draw_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} @ {self.drawn_at:%Y-%m-%d %H:%M}"


class JudgeConflict(models.Model):
    """A conflict of interest a judge declared before the round, beyond their own unit: with one
    entry or with a whole unit. Judge assignment never seats them on a panel that sees it."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="judge_conflicts")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declared_conflicts"
    )
    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "judge", "id"]
        verbose_name = _("declared conflict of interest")
        verbose_name_plural = _("declared conflicts of interest")
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=True, unit__isnull=False)
                | Q(entry__isnull=False, unit__isnull=True),
                name="judge_conflict_entry_or_unit",
            ),
            models.UniqueConstraint(
                fields=["contest", "judge", "entry"],
                condition=Q(entry__isnull=False),
                name="judge_conflict_entry_once",
            ),
            models.UniqueConstraint(
                fields=["contest", "judge", "unit"],
                condition=Q(unit__isnull=False),
                name="judge_conflict_unit_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.judge_id} × {self.entry_id or self.unit_id}"


class Break(models.Model):
    """A pause in a session's running order (tea break, lunch) after a given place."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="breaks")
    after_position = models.PositiveSmallIntegerField(_("after presentation no."))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    label = models.CharField(_("label"), max_length=100, default="Giải lao")

    class Meta:
        ordering = ["session", "after_position"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "after_position"], name="break_once_per_place"
            ),
            models.CheckConstraint(condition=Q(minutes__gte=1), name="break_minutes_positive"),
            models.CheckConstraint(
                condition=Q(after_position__gte=1), name="break_after_a_presentation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.minutes}′)"


class ScheduleVersion(models.Model):
    """A published version of a round's schedule, as pretalx has them: the working copy (the
    sessions and slots themselves) changes freely; presenters and judges see the newest
    published version, and each version lists what changed since the one before."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="schedule_versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    # The schedule as published (see scheduling.selectors.schedule_snapshot).
    snapshot = models.JSONField()
    # What changed since the previous version (scheduling.checks.schedule_changes).
    changes = models.JSONField(default=list)
    # The warnings the organiser published over.
    warnings = models.JSONField(default=list)

    class Meta:
        ordering = ["round", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "number"], name="schedule_version_number_unique"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="schedule_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.round} v{self.number}"
