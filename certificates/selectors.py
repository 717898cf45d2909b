from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from certificates.models import Certificate


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
