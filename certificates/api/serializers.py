from rest_framework import serializers

from certificates.models import Certificate, CertificateBatch


class CertificateBatchInputSerializer(serializers.Serializer):
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Certificate.Kind.choices),
        allow_empty=False,
        max_length=len(Certificate.Kind.choices),
        required=False,
    )


class CertificateBatchSerializer(serializers.ModelSerializer):
    """A batch and its progress: `rendered` of `total` certificates have their PDF."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    certificates = serializers.IntegerField(source="issued", read_only=True)
    rendered = serializers.IntegerField(read_only=True)

    class Meta:
        model = CertificateBatch
        fields = [
            "id",
            "status",
            "status_display",
            "kinds",
            "total",
            "rendered",
            "certificates",
            "created_at",
            "finished_at",
            "error",
        ]


class CertificateSerializer(serializers.ModelSerializer):
    contest = serializers.CharField(source="contest.name")
    download_url = serializers.HyperlinkedIdentityField(view_name="api-certificate-pdf")

    class Meta:
        model = Certificate
        fields = [
            "id",
            "contest",
            "kind",
            "serial",
            "recipient_name",
            "achievement",
            "issued_on",
            "download_url",
        ]


class ContestCertificateSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name", default="")
    rendered = serializers.SerializerMethodField()
    download_url = serializers.HyperlinkedIdentityField(view_name="api-certificate-pdf")

    class Meta:
        model = Certificate
        fields = [
            "id",
            "kind",
            "serial",
            "recipient_name",
            "unit",
            "achievement",
            "issued_on",
            "revoked_at",
            "rendered",
            "download_url",
        ]

    def get_rendered(self, certificate) -> bool:
        return bool(certificate.pdf)


class RevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class VerificationSerializer(serializers.ModelSerializer):
    contest = serializers.CharField(source="contest.name")
    valid = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "verification_code",
            "recipient_name",
            "achievement",
            "contest",
            "issued_on",
            "serial",
            "sha256",
            "valid",
        ]

    def get_valid(self, certificate) -> bool:
        return certificate.revoked_at is None
