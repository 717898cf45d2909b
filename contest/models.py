import unicodedata

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from contest.collation import person_sort_key


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


class Unit(models.Model):
    """An organisational unit: the city, a bloc, or a grassroots Party organisation."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        BLOC = "bloc", _("Bloc")
        GRASSROOTS = "grassroots", _("Grassroots organisation")

    class Kind(models.TextChoices):
        PARTY_COMMITTEE = "party_committee", _("Party committee (đảng bộ)")
        PARTY_CELL = "party_cell", _("Grassroots Party cell (chi bộ cơ sở)")
        OTHER = "other", _("Other body")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Units are renamed and merged over the years; a unit row is valid for a span of years.
    valid_from_year = models.PositiveSmallIntegerField(_("valid from year"), default=1930)
    valid_to_year = models.PositiveSmallIntegerField(_("valid to year"), null=True, blank=True)
    # The unit this one became when it was renamed or merged (several can merge into one).
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("renamed or merged into"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="unit_not_own_parent"),
            models.CheckConstraint(
                condition=Q(level="city") | Q(parent__isnull=False),
                name="unit_below_city_has_parent",
            ),
            models.CheckConstraint(
                condition=Q(valid_to_year__isnull=True)
                | Q(valid_to_year__gte=F("valid_from_year")),
                name="unit_valid_years_ordered",
            ),
            models.CheckConstraint(condition=~Q(successor=F("id")), name="unit_not_own_successor"),
            models.CheckConstraint(
                condition=Q(successor__isnull=True) | Q(valid_to_year__isnull=False),
                name="unit_with_successor_has_end_year",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def valid_in(self, year: int) -> bool:
        return self.valid_from_year <= year and (
            self.valid_to_year is None or year <= self.valid_to_year
        )


class Person(models.Model):
    """A human being as the contest knows them: a presenter, a judge, a signer."""

    full_name = models.CharField(_("full name"), max_length=150)
    # Blank for the rare person known by one name only.
    family_name = models.CharField(_("family name"), max_length=50, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=80, blank=True)
    given_name = models.CharField(_("given name"), max_length=50)
    # Vietnamese collation key (given name, family name, middle name); see contest.collation.
    sort_key = models.CharField(max_length=600, editable=False, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    position = models.CharField(_("position"), max_length=255, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )

    class Meta:
        ordering = ["sort_key", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(condition=~Q(given_name=""), name="person_has_given_name"),
            models.CheckConstraint(condition=~Q(full_name=""), name="person_has_full_name"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def normalise(self) -> None:
        """Store names as typed but in NFC, and derive the collation key."""
        self.full_name = nfc(self.full_name)
        self.family_name = nfc(self.family_name)
        self.middle_name = nfc(self.middle_name)
        self.given_name = nfc(self.given_name)
        self.sort_key = person_sort_key(self.given_name, self.family_name, self.middle_name)


class Field(models.TextChoices):
    ECONOMY = "economy", _("Economy")
    CULTURE_SOCIETY = "culture_society", _("Culture and society")
    DEFENCE_SECURITY = "defence_security", _("Defence and security")
    POLITICAL_SYSTEM = "political_system", _("Building the political system")


class Initiative(models.Model):
    """A "Dân vận khéo" initiative (mô hình) registered by a unit."""

    class Kind(models.TextChoices):
        COLLECTIVE = "collective", _("Collective")
        INDIVIDUAL = "individual", _("Individual")

    title = models.CharField(_("title"), max_length=500)
    field = models.CharField(_("field"), max_length=32, choices=Field.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="initiatives")
    year = models.PositiveSmallIntegerField(_("year"))
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1990, year__lte=2100), name="initiative_year_plausible"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="initiative_has_title"),
            models.UniqueConstraint(
                "unit", "year", Lower("title"), name="initiative_title_unique_per_unit_year"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PresenterAttribute(models.TextChoices):
    """What a contest may require to be known about every presenter at signup."""

    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    POSITION = "position", _("Position")


class Contest(models.Model):
    class AdvancementRule(models.TextChoices):
        NONE = "none", _("No advancement")
        TOP_N = "top_n", _("The best N of the final")
        PRIZE_TIERS = "prize_tiers", _("First to third prize winners")
        BEST_PER_CLUSTER = "best_per_cluster", _("The best N of each cluster")

    class Level(models.TextChoices):
        GRASSROOTS = "grassroots", _("Grassroots level")
        BLOC = "bloc", _("Bloc level")
        CITY = "city", _("City level")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNUP_OPEN = "signup_open", _("Signup open")
        SIGNUP_CLOSED = "signup_closed", _("Signup closed")
        SCHEDULED = "scheduled", _("Scheduled")
        JUDGING = "judging", _("Judging")
        RESULTS_PUBLISHED = "results_published", _("Results published")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(_("short address"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=500)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    organising_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="organised_contests"
    )
    advances_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feeder_contests",
        verbose_name=_("winners advance to"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    place = models.CharField(
        _("place"), max_length=100, default="Hà Nội", help_text=_("Place on dated documents.")
    )
    # At most this share of the entrants receives a prize (None: no cap).
    prize_cap_percent = models.PositiveSmallIntegerField(
        _("prize cap (percent of entrants)"), null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    # Eligibility rules, checked when a unit signs up (blank: no rule).
    max_entries_per_unit = models.PositiveSmallIntegerField(
        _("entries per unit at most"), null=True, blank=True
    )
    required_presenter_attributes = models.JSONField(
        _("required presenter details"),
        default=list,
        blank=True,
        help_text=_("Any of: email, phone, position."),
    )
    initiative_year_from = models.PositiveSmallIntegerField(
        _("initiatives started from year"), null=True, blank=True
    )
    initiative_year_to = models.PositiveSmallIntegerField(
        _("initiatives started up to year"), null=True, blank=True
    )
    allowed_fields = models.JSONField(
        _("fields accepted"), default=list, blank=True, help_text=_("Empty: every field.")
    )
    advancement_rule = models.CharField(
        _("who advances"),
        max_length=20,
        choices=AdvancementRule.choices,
        default=AdvancementRule.NONE,
    )
    advancement_count = models.PositiveSmallIntegerField(
        _("how many advance (N)"), null=True, blank=True
    )
    # What the public results may show beyond standings and prizes.
    public_criterion_averages = models.BooleanField(
        _("show per-criterion averages in the public results"), default=False
    )
    public_judge_marks = models.BooleanField(
        _("release each judge's score in the public results"), default=False
    )
    # The live board's accent colour on the projector.
    brand_colour = models.CharField(
        _("board colour"),
        max_length=7,
        default="#b71c1c",
        validators=[
            RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Write a colour as #RRGGBB, e.g. #b71c1c."))
        ],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(advances_to=F("id")), name="contest_not_advancing_to_itself"
            ),
            models.CheckConstraint(
                condition=Q(brand_colour__regex=r"^#[0-9a-fA-F]{6}$"),
                name="contest_brand_colour_hex",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1990, year__lte=2100), name="contest_year_plausible"
            ),
            models.CheckConstraint(
                condition=Q(prize_cap_percent__isnull=True)
                | Q(prize_cap_percent__gte=1, prize_cap_percent__lte=100),
                name="contest_prize_cap_percent",
            ),
            models.CheckConstraint(
                condition=Q(max_entries_per_unit__isnull=True) | Q(max_entries_per_unit__gte=1),
                name="contest_max_entries_per_unit_positive",
            ),
            models.CheckConstraint(
                condition=Q(initiative_year_from__isnull=True)
                | Q(initiative_year_to__isnull=True)
                | Q(initiative_year_to__gte=F("initiative_year_from")),
                name="contest_initiative_years_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(advancement_rule__in=["top_n", "best_per_cluster"])
                | Q(advancement_count__gte=1),
                name="contest_advancement_count_given",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Where a contest may go next. Going back is allowed only where nothing depends on it yet:
# signup reopens before the schedule is made; judging resumes after results were published in
# error (publishing again moves it forward).
LIFECYCLE = {
    Contest.Status.DRAFT: {Contest.Status.SIGNUP_OPEN},
    Contest.Status.SIGNUP_OPEN: {Contest.Status.SIGNUP_CLOSED},
    Contest.Status.SIGNUP_CLOSED: {Contest.Status.SIGNUP_OPEN, Contest.Status.SCHEDULED},
    Contest.Status.SCHEDULED: {Contest.Status.SIGNUP_CLOSED, Contest.Status.JUDGING},
    Contest.Status.JUDGING: {Contest.Status.RESULTS_PUBLISHED},
    Contest.Status.RESULTS_PUBLISHED: {Contest.Status.JUDGING, Contest.Status.CLOSED},
    Contest.Status.CLOSED: set(),
}


class ContestTransition(models.Model):
    """Append-only record of every lifecycle step of a contest."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Contest.Status.choices)
    to_status = models.CharField(max_length=20, choices=Contest.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Role(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    SECRETARY = "secretary", _("Secretary")
    HEAD_JUDGE = "head_judge", _("Head judge")
    JUDGE = "judge", _("Judge")
    UNIT_REPRESENTATIVE = "unit_representative", _("Unit representative")
    PRESENTER = "presenter", _("Presenter")


class Membership(models.Model):
    """A user's role in one contest. Roles are per contest, never global."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    # The unit a representative speaks for, or a judge's own unit (a conflict of interest).
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "user", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=~Q(role="unit_representative") | Q(unit__isnull=False),
                name="membership_representative_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.contest}"


class Entry(models.Model):
    """A unit's entry in a contest: one initiative presented by one or more presenters."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="entries")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="entries")
    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="entries")
    presenters = models.ManyToManyField(Person, through="EntryPresenter", related_name="entries")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Set when this entry was created by advancement from a lower-level contest.
    advanced_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="advanced_to"
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "id"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "initiative"], name="entry_initiative_once_per_contest"
            ),
            models.UniqueConstraint(
                fields=["contest", "advanced_from"],
                condition=Q(advanced_from__isnull=False),
                name="entry_advanced_once_per_contest",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="entry_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected"]) | Q(decided_at__isnull=False),
                name="entry_decision_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn")
                | (Q(withdrawn_at__isnull=False) & ~Q(withdrawal_reason="")),
                name="entry_withdrawal_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.title} ({self.unit.short_name or self.unit.name})"


class EntryPresenter(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="presenter_links")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="presenter_links")
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "person"], name="presenter_once_per_entry"),
            models.UniqueConstraint(fields=["entry", "order"], name="presenter_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.person_id}"


def attachment_path(attachment: "EntryAttachment", filename: str) -> str:
    # The stored name never comes from the uploader: only the checked type's extension does.
    name = f"{attachment.kind}-{attachment.sha256[:16]}.{attachment.extension}"
    return f"entries/{attachment.entry_id}/{name}"


class EntryAttachment(models.Model):
    """A file sent with an entry: the written outline (đề cương) or the slides."""

    class Kind(models.TextChoices):
        OUTLINE = "outline", _("Written outline")
        SLIDES = "slides", _("Slides")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    # Established from the content, never from the name or the browser's claim.
    content_type = models.CharField(max_length=120)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "kind"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind"], name="attachment_one_per_kind"),
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class LoginLink(models.Model):
    """A personal login link (and QR code) for a judge's tablet: no password to type.

    The token is a signature of the link's id, so it can be printed again at any time and is
    never stored; revoking the link ends it and every session it opened."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="login_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["membership", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(revoked_at__isnull=True),
                name="login_link_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"login link {self.pk} for {self.membership}"


class LoginFailure(models.Model):
    """Wrong passwords given for one account name since `window_started_at` (contest/auth.py).

    In the database, not the cache: the cache fails open when Redis is down, and the lockout
    must hold then too. The name is stored as a digest, so names that do not exist (a guesser
    trying many) reveal nothing and take a fixed size."""

    account = models.CharField(max_length=64, unique=True)  # sha256 of the normalised username
    failures = models.PositiveIntegerField()
    window_started_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(failures__gt=0), name="login_failure_counted"),
        ]

    def __str__(self) -> str:
        return f"{self.failures} failed logins since {self.window_started_at:%Y-%m-%d %H:%M}"
