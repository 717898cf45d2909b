from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contest.models import Contest, Entry
from scheduling.models import Round


class Rubric(models.Model):
    """The marking scheme of one round and how its sheets are aggregated."""

    class Method(models.TextChoices):
        MEAN = "mean", _("Mean of judges present")

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="rubric")
    method = models.CharField(max_length=24, choices=Method.choices, default=Method.MEAN)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=2)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(decimals__lte=6), name="rubric_decimals_range"),
        ]

    def __str__(self) -> str:
        return f"{self.round}"


class RubricPart(models.Model):
    """A part of the presentation (outline, presentation, questions) grouping criteria."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["rubric", "order"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "order"], name="part_order_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    part = models.ForeignKey(
        RubricPart, on_delete=models.CASCADE, null=True, blank=True, related_name="criteria"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    max_score = models.DecimalField(_("maximum"), max_digits=6, decimal_places=2)
    step = models.DecimalField(_("step"), max_digits=4, decimal_places=2, default=Decimal("0.5"))
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=3, default=1)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["rubric", "order", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="criterion_code_unique"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="criterion_max_positive"),
            models.CheckConstraint(
                condition=Q(step__in=[Decimal("0.25"), Decimal("0.5"), Decimal("1")]),
                name="criterion_step_allowed",
            ),
            models.CheckConstraint(condition=Q(weight__gte=0), name="criterion_weight_nonneg"),
        ]

    def __str__(self) -> str:
        return self.name


class ScoreSheet(models.Model):
    """One judge's marks for one entry in one round. The sheets are the truth."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        LOCKED = "locked", _("Locked")

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="score_sheets")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="score_sheets")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="score_sheets"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Optimistic concurrency: bumped on every change.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "entry", "judge"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "entry", "judge"], name="sheet_once_per_judge_entry_round"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="sheet_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"round {self.round_id} · entry {self.entry_id} · judge {self.judge_id}"


class Mark(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="marks")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="marks")
    value = models.DecimalField(max_digits=6, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="mark_once_per_criterion"),
            models.CheckConstraint(condition=Q(value__gte=0), name="mark_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id} = {self.value}"


class ScoreSheetEvent(models.Model):
    """Append-only audit trail of score sheets: who, when, before, after, why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        CHANGED = "changed", _("Changed")
        UNLOCKED = "unlocked", _("Unlocked")
        LOCKED = "locked", _("Locked")

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} sheet {self.sheet_id}"


class Ranking(models.Model):
    """A numbered snapshot of a round's standings, computed from one consistent read of sheets.

    Recomputation adds a version; it never touches the published one.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="rankings")
    version = models.PositiveIntegerField()
    method = models.CharField(max_length=24)
    decimals = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField(auto_now_add=True)
    sheet_count = models.PositiveIntegerField(default=0)
    # Newest submitted-sheet change the snapshot saw; the reconciler compares against it.
    sheets_changed_at = models.DateTimeField(null=True, blank=True)
    # Count and version sum of the counted sheets read; see scoring.selectors.fingerprint.
    sheets_fingerprint = models.CharField(max_length=40, default="")
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["round", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["round", "version"], name="ranking_version_unique"),
            models.UniqueConstraint(
                fields=["round"], condition=Q(is_published=True), name="ranking_one_published"
            ),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(published_at__isnull=False),
                name="ranking_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} v{self.version}"


class Standing(models.Model):
    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="standings")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="standings")
    rank = models.PositiveIntegerField()
    score = models.DecimalField(max_digits=12, decimal_places=6)
    judges_counted = models.PositiveSmallIntegerField()
    # Per-criterion averages and other explanations, as decimal strings.
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["ranking", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "entry"], name="standing_entry_once"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="standing_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. entry {self.entry_id}"


class Prize(models.Model):
    """A prize tier of a contest (giải Nhất, Nhì, Ba, Khuyến khích, or a special prize)."""

    class Tier(models.TextChoices):
        FIRST = "first", _("First prize")
        SECOND = "second", _("Second prize")
        THIRD = "third", _("Third prize")
        CONSOLATION = "consolation", _("Consolation prize")
        SPECIAL = "special", _("Special prize")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="prizes")
    name = models.CharField(_("name"), max_length=200)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    quota = models.PositiveSmallIntegerField(_("quota"), default=1)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["contest", "order"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "order"], name="prize_order_unique"),
            models.UniqueConstraint(fields=["contest", "name"], name="prize_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Award(models.Model):
    """A prize given to an entry, derived from a published ranking."""

    prize = models.ForeignKey(Prize, on_delete=models.PROTECT, related_name="awards")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="awards")
    ranking = models.ForeignKey(Ranking, on_delete=models.PROTECT, related_name="awards")

    class Meta:
        ordering = ["prize__order", "entry_id"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "entry"], name="award_one_per_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.prize_id} → entry {self.entry_id}"
