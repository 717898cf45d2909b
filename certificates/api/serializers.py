from rest_framework import serializers

from certificates.models import Certificate, CertificateBatch


class CertificateBatchSerializer(serializers.ModelSerializer):
    certificates = serializers.IntegerField(source="certificates.count", read_only=True)

    class Meta:
        model = CertificateBatch
        fields = ["id", "status", "created_at", "finished_at", "certificates"]


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
