from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from certificates.models import Certificate, CertificateBatch
from contest.models import Contest, Membership, Role


def certificates_of(user: AbstractBaseUser) -> QuerySet[Certificate]:
    """A participant's own certificates, and nobody else's."""
    if not user.is_authenticated:
        return Certificate.objects.none()
    return (
        Certificate.objects.filter(person__user=user, revoked_at__isnull=True)
        .exclude(pdf="")
        .select_related("contest")
        .order_by("-issued_on", "serial")
    )


def certificates_visible_to(
    user: AbstractBaseUser, contest: Contest | None = None
) -> QuerySet[Certificate]:
    """Certificates the user may see and download: their own; as a unit representative, those
    of their unit in that contest; as an organiser, all of the contest's. Revoked and unrendered
    ones included (callers that serve files filter them out)."""
    if not user.is_authenticated:
        return Certificate.objects.none()
    certificates = Certificate.objects.all()
    if contest is not None:
        certificates = certificates.filter(contest=contest)
    if user.is_superuser:
        return certificates
    memberships = Membership.objects.filter(user=user, contest=OuterRef("contest"))
    return certificates.filter(
        Q(person__user=user)
        | Exists(memberships.filter(role=Role.ORGANISER))
        | Exists(memberships.filter(role=Role.UNIT_REPRESENTATIVE, unit=OuterRef("unit")))
    )


def downloadable(certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """Those with a file to serve: rendered and not revoked."""
    return certificates.filter(revoked_at__isnull=True).exclude(pdf="")


def certificate_for_download(user: AbstractBaseUser, pk: int) -> Certificate | None:
    return (
        downloadable(certificates_visible_to(user))
        .select_related("contest", "prize")
        .filter(pk=pk)
        .first()
    )


def batches_with_progress(contest: Contest) -> QuerySet[CertificateBatch]:
    """A contest's batches, newest first, each with `rendered`: how many of its certificates
    have their PDF (the progress bar's value against `total`)."""
    return CertificateBatch.objects.filter(contest=contest).annotate(
        rendered=_rendered_count(), issued=Count("certificates", distinct=True)
    )


def batch_with_progress(pk: int) -> CertificateBatch | None:
    return (
        CertificateBatch.objects.select_related("contest")
        .annotate(rendered=_rendered_count(), issued=Count("certificates", distinct=True))
        .filter(pk=pk)
        .first()
    )


def _rendered_count() -> Count:
    return Count(
        "certificates",
        filter=Q(certificates__revoked_at__isnull=True) & ~Q(certificates__pdf=""),
        distinct=True,
    )
