from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from contest.models import Contest, Entry
from scheduling.models import Round


class Rubric(models.Model):
    """The marking scheme of one round and how its sheets are aggregated."""

    class Method(models.TextChoices):
        MEAN = "mean", _("Mean of judges present")
        SUM = "sum", _("Sum of judges' scores")
        TRIMMED_MEAN = "trimmed_mean", _("Mean without the highest and lowest judges")
        TRIMMED_SUM = "trimmed_sum", _("Sum without the highest and lowest judges")
        MEDIAN = "median", _("Median of judges")
        ZSCORE_MEAN = "zscore_mean", _("Mean of standardised scores")
        RANK_SUM = "rank_sum", _("Sum of judges' ranks")
        SKATING = "skating", _("Skating System")

    class RankingStyle(models.TextChoices):
        STANDARD = "standard", _("Standard (1, 2, 2, 4)")
        DENSE = "dense", _("Dense (1, 2, 2, 3)")

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="rubric")
    method = models.CharField(
        _("aggregation"), max_length=24, choices=Method.choices, default=Method.MEAN
    )
    drop_highest = models.PositiveSmallIntegerField(_("drop highest judges"), default=0)
    drop_lowest = models.PositiveSmallIntegerField(_("drop lowest judges"), default=0)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=2)
    ranking_style = models.CharField(
        _("ranking"), max_length=10, choices=RankingStyle.choices, default=RankingStyle.STANDARD
    )
    # Flag an entry when its judges' scores spread wider than this (None: never).
    disagreement_threshold = models.DecimalField(
        _("disagreement threshold"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    # Steps applied in order to break ties, fixed before judging opens, e.g.
    # [{"criterion": "presentation"}, {"first_placings": true}, {"judge": "head"}].
    tie_breaks = models.JSONField(_("tie-break chain"), default=list, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(decimals__lte=6), name="rubric_decimals_range"),
            models.CheckConstraint(
                condition=Q(method__in=["trimmed_mean", "trimmed_sum"])
                | Q(drop_highest=0, drop_lowest=0),
                name="rubric_drops_only_when_trimmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round}"


class RubricPart(models.Model):
    """A part of the presentation (outline, presentation, questions) grouping criteria."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(_("name"), max_length=200)
    # Time allowed on stage for this part; the timer measures overtime against it.
    minutes = models.DecimalField(
        _("minutes allowed"), max_digits=5, decimal_places=2, null=True, blank=True
    )
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
    # Independent criteria are scored and shown but do not count toward the total.
    counts_toward_total = models.BooleanField(_("counts toward the total"), default=True)
    # Level descriptors shown to judges: [{"from": "8", "to": "10", "text": "Xuất sắc"}, ...].
    descriptors = models.JSONField(_("level descriptors"), default=list, blank=True)
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


class PenaltyRule(models.Model):
    """Overtime penalty of a part: from `minutes_over` minutes over time, take `points` off."""

    part = models.ForeignKey(RubricPart, on_delete=models.CASCADE, related_name="penalty_rules")
    minutes_over = models.PositiveSmallIntegerField(_("from minutes over"))
    points = models.DecimalField(_("points deducted"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["part", "minutes_over"]
        constraints = [
            models.UniqueConstraint(fields=["part", "minutes_over"], name="penalty_rule_unique"),
            models.CheckConstraint(condition=Q(points__gt=0), name="penalty_rule_positive"),
            models.CheckConstraint(condition=Q(minutes_over__gte=1), name="penalty_rule_over"),
        ]

    def __str__(self) -> str:
        return f"{self.part}: −{self.points} from {self.minutes_over} min"


class Penalty(models.Model):
    """A penalty applied to an entry in a round, deducted from its total."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="penalties")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="penalties")
    part = models.ForeignKey(
        RubricPart, on_delete=models.PROTECT, null=True, blank=True, related_name="penalties"
    )
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "entry", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="penalty_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="penalty_has_reason"),
            # One overtime penalty per part of a presentation: a second tap deducts nothing.
            models.UniqueConstraint(
                fields=["round", "entry", "part"],
                condition=Q(part__isnull=False),
                name="penalty_once_per_part",
            ),
        ]

    def __str__(self) -> str:
        return f"−{self.points} entry {self.entry_id}"


class ScoreSheet(models.Model):
    """One judge's marks for one entry in one round. The sheets are the truth."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        LOCKED = "locked", _("Locked")

    class Participation(models.TextChoices):
        SCORED = "scored", _("Scored")
        ABSTAINED = "abstained", _("Abstained")
        CONFLICT = "conflict", _("Conflict of interest declared")

    # No index of its own: the unique (round, entry, judge) index serves lookups by round,
    # and every index costs each sheet a judge writes.
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="score_sheets", db_index=False
    )
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="score_sheets")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="score_sheets"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # An abstained or conflicted sheet has no marks and counts in no aggregate.
    participation = models.CharField(
        max_length=12, choices=Participation.choices, default=Participation.SCORED
    )
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
    # No index of its own: the unique (sheet, criterion) index serves lookups by sheet.
    sheet = models.ForeignKey(
        ScoreSheet, on_delete=models.CASCADE, related_name="marks", db_index=False
    )
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
        ABSTAINED = "abstained", _("Abstained")
        CONFLICT = "conflict", _("Conflict of interest declared")

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
    # The rubric's settings used (method, drops, tie-breaks...), Kendall's W, judge bias,
    # and what changed since the previous version.
    parameters = models.JSONField(default=dict)
    analytics = models.JSONField(default=dict)
    changes = models.JSONField(default=dict)
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
    # No index of its own: the unique (ranking, entry) index serves lookups by ranking, and a
    # snapshot writes thousands of standings at once.
    ranking = models.ForeignKey(
        Ranking, on_delete=models.CASCADE, related_name="standings", db_index=False
    )
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="standings")
    # Decimal: a shared Skating System place is the mean of the places covered, e.g. 3.5.
    rank = models.DecimalField(max_digits=8, decimal_places=2)
    score = models.DecimalField(max_digits=14, decimal_places=6)
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
    # An entry below this score does not receive the prize, which may stay vacant.
    min_score = models.DecimalField(
        _("minimum score"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    # A special prize goes to the best score in this part (e.g. the best presentation).
    part = models.ForeignKey(
        RubricPart, on_delete=models.PROTECT, null=True, blank=True, related_name="prizes"
    )
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["contest", "order"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "order"], name="prize_order_unique"),
            models.UniqueConstraint(fields=["contest", "name"], name="prize_name_unique"),
            models.CheckConstraint(
                condition=Q(tier="special") | Q(part__isnull=True),
                name="prize_part_only_for_special",
            ),
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


class IdempotentRequest(models.Model):
    """A write sent with an Idempotency-Key: a retry with the same key and body gets the
    original response instead of doing the work twice."""

    class Status(models.TextChoices):
        # Rows are written done, with the response (scoring/idempotency.py); "in flight" rows
        # were claims of the earlier protocol, taken over when met.
        IN_FLIGHT = "in_flight", _("In flight")
        DONE = "done", _("Done")

    # No index of its own: the unique (user, key) index serves lookups by user, and every
    # tablet write inserts a row, so each index costs.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=200)
    body_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user"),
            models.CheckConstraint(
                condition=Q(status="in_flight") | Q(response_status__isnull=False),
                name="idempotency_done_has_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} ({self.status})"


class PaperSheet(models.Model):
    """A judge's paper sheet typed in by a secretary, waiting for a second secretary's entry.

    Identical entries submit the judge's sheet; a mismatch is flagged for the head judge."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        MISMATCH = "mismatch", _("Entries differ")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="paper_sheets")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="paper_sheets")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marks = models.JSONField()
    second_marks = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "entry", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "entry", "judge"],
                condition=Q(status="pending"),
                name="paper_sheet_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("entered_by")),
                name="paper_sheet_confirmed_by_another",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(confirmed_by__isnull=False),
                name="paper_sheet_decided_has_confirmer",
            ),
        ]

    def __str__(self) -> str:
        return f"paper sheet {self.judge_id} · entry {self.entry_id} ({self.status})"


class PresentationTimer(models.Model):
    """The stopwatch of one part of one presentation, run by the head judge or a secretary."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="timers")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="timers")
    part = models.ForeignKey(RubricPart, on_delete=models.PROTECT, related_name="timers")
    # Seconds counted before the current run; `running_since` is set while it runs.
    elapsed = models.DecimalField(max_digits=9, decimal_places=3, default=0)
    running_since = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "entry", "part"], name="timer_once_per_part"),
            models.CheckConstraint(
                condition=Q(running_since__isnull=True) | Q(stopped_at__isnull=True),
                name="timer_stopped_is_not_running",
            ),
        ]

    def __str__(self) -> str:
        return f"timer entry {self.entry_id} part {self.part_id}"


class Nudge(models.Model):
    """The head judge (or a secretary) reminds a judge that a sheet is still missing; the
    judge's tablet shows it until the sheet is in."""

    session = models.ForeignKey(
        "scheduling.Session", on_delete=models.CASCADE, related_name="nudges"
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="nudges")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudges_received"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="nudges_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["judge", "session", "created_at"])]

    def __str__(self) -> str:
        return f"nudge {self.judge_id} on entry {self.entry_id}"


class PublicationEvent(models.Model):
    """What the public was shown, and who decided it: an append-only record of every publish,
    unpublish, head judge's sign-off and ceremony step. The newest event of a contest is the
    public results' Last-Modified."""

    class Action(models.TextChoices):
        SIGNED_OFF = "signed_off", _("Signed off by the head judge")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")
        REVEAL_STARTED = "reveal_started", _("Ceremony started")
        REVEALED = "revealed", _("Prize revealed")
        REVEAL_FINISHED = "reveal_finished", _("Ceremony finished")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="+")
    ranking = models.ForeignKey(
        Ranking, on_delete=models.CASCADE, related_name="publication_events"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["contest", "at"])]
        constraints = [
            # A head judge signs a version off once.
            models.UniqueConstraint(
                fields=["ranking", "actor"],
                condition=Q(action="signed_off"),
                name="publication_sign_off_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} ranking {self.ranking_id}"


class Reveal(models.Model):
    """The prize ceremony for a published ranking: its prizes shown on the board one at a
    time, from the last consolation prize to the first prize. Until it finishes the public
    sees only the prizes revealed so far, and no standings."""

    ranking = models.OneToOneField(Ranking, on_delete=models.CASCADE, related_name="reveal")
    revealed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(revealed__lte=F("total")), name="reveal_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"reveal of ranking {self.ranking_id}: {self.revealed}/{self.total}"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None
