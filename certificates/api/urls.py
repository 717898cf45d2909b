from django.urls import path

from certificates.api import views

urlpatterns = [
    path(
        "contests/<slug:slug>/certificate-batches/",
        views.CertificateBatchCreateView.as_view(),
        name="api-certificate-batches",
    ),
    path(
        "certificate-batches/<int:pk>/",
        views.CertificateBatchView.as_view(),
        name="api-certificate-batch",
    ),
    path("me/certificates/", views.MyCertificatesView.as_view(), name="api-my-certificates"),
    path(
        "certificates/<int:pk>/pdf/", views.CertificatePdfView.as_view(), name="api-certificate-pdf"
    ),
    path(
        "public/certificates/<str:code>/",
        views.VerifyCertificateView.as_view(),
        name="api-verify-certificate",
    ),
]
