from django.contrib import admin

from certificates.models import Certificate, CertificateBatch, CertificateTemplate

admin.site.register(CertificateTemplate)


@admin.register(CertificateBatch)
class CertificateBatchAdmin(admin.ModelAdmin):
    list_display = ["contest", "status", "created_at", "finished_at"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["serial", "recipient_name", "achievement", "contest", "issued_on"]
    search_fields = ["recipient_name", "verification_code"]
    list_filter = ["contest", "kind"]
