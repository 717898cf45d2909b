from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contest.models import Contest, Entry, Person, Unit
from scoring.models import Award, Prize, Ranking


class CertificateTemplate(models.Model):
    """How a contest's certificates look and who signs them."""

    class Theme(models.TextChoices):
        PARTY = "party", _("Party (Hướng dẫn 36-HD/VPTW)")
        STATE = "state", _("State (Nghị định 30/2020/NĐ-CP)")

    contest = models.OneToOneField(
        Contest, on_delete=models.CASCADE, related_name="certificate_template"
    )
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.PARTY)
    superior_body = models.CharField(_("superior body"), max_length=255, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=255)
    # e.g. "12-QĐ/ĐUK": the decision that confers the prizes.
    decision_reference = models.CharField(_("decision reference"), max_length=100, blank=True)
    number_suffix = models.CharField(
        _("number suffix"),
        max_length=60,
        default="GCN/ĐUK",
        help_text=_("Printed after the serial number, e.g. 'GCN/ĐUK'."),
    )
    signing_on_behalf = models.CharField(_("on behalf of"), max_length=120, blank=True)
    signer_title = models.CharField(_("signer title"), max_length=120)
    signer_name = models.CharField(_("signer name"), max_length=120)
    # An organiser's own layout (HTML with {{ field }} placeholders, and CSS); blank: the
    # built-in layout of the theme. Checked against the declared fields before it is saved.
    layout_html = models.TextField(_("layout (HTML)"), blank=True)
    layout_css = models.TextField(_("layout (CSS)"), blank=True)
    signature_image = models.ImageField(
        _("signature image"), upload_to="certificate-templates/", blank=True
    )
    seal_image = models.ImageField(_("seal image"), upload_to="certificate-templates/", blank=True)

    def __str__(self) -> str:
        return f"{self.contest} ({self.get_theme_display()})"


class CertificateBatch(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="certificate_batches"
    )
    # The published ranking prize and participation certificates come from; judges'
    # appreciation certificates need none.
    ranking = models.ForeignKey(
        Ranking, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Which kinds of certificate the batch issues (Certificate.Kind values).
    kinds = models.JSONField(default=list)
    # Certificates the batch had to render when it started: the progress bar's 100%.
    total = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.contest_id}/{self.pk} ({self.status})"


class Certificate(models.Model):
    class Kind(models.TextChoices):
        PRIZE = "prize", _("Prize certificate")
        PARTICIPATION = "participation", _("Participation certificate")
        JUDGE = "judge", _("Judge appreciation")

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="certificates")
    batch = models.ForeignKey(
        CertificateBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="certificates")
    # The recipient's unit when issued: the folder of the bulk download, and whose unit
    # representative may download it.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    entry = models.ForeignKey(
        Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    award = models.ForeignKey(
        Award, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    # The prize the certificate is for: a person may hold a main and a special prize.
    prize = models.ForeignKey(
        Prize, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    # Serial numbers are gapless per contest and kind: allocated under a row lock, never
    # reused.
    serial = models.PositiveIntegerField()
    # Random, unguessable code (at least 128 bits) printed as a QR link to the public
    # verification page.
    verification_code = models.CharField(max_length=32, unique=True)
    recipient_name = models.CharField(max_length=150)
    achievement = models.CharField(max_length=300)
    issued_on = models.DateField()
    pdf = models.FileField(upload_to="certificates/%Y/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contest", "serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "kind", "serial"], name="certificate_serial_unique"
            ),
            # A revoked certificate (its prize changed on republication) keeps its serial;
            # the person then holds one valid certificate per prize, and one of each other
            # kind.
            models.UniqueConstraint(
                fields=["contest", "person", "prize"],
                condition=Q(revoked_at__isnull=True, kind="prize"),
                name="certificate_once_per_person_prize",
            ),
            models.UniqueConstraint(
                fields=["contest", "person", "kind"],
                condition=Q(revoked_at__isnull=True) & ~Q(kind="prize"),
                name="certificate_once_per_person_kind",
            ),
            models.CheckConstraint(condition=Q(serial__gte=1), name="certificate_serial_positive"),
            models.CheckConstraint(
                condition=Q(kind="prize", award__isnull=False, prize__isnull=False)
                | (~Q(kind="prize") & Q(award__isnull=True, prize__isnull=True)),
                name="certificate_award_only_for_prize",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_name} · {self.achievement}"


class CertificateEvent(models.Model):
    """Append-only audit trail of certificates: every issue, revoke and reissue."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REVOKED = "revoked", _("Revoked")
        REISSUED = "reissued", _("Reissued")

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    # None when the system acted on its own (the reconciler finishing a batch).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    # e.g. the certificate a reissue replaces, the ranking version it follows.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} certificate {self.certificate_id}"
