from django.urls import path

from certificates.api import views

urlpatterns = [
    path(
        "contests/<slug:slug>/certificate-batches/",
        views.CertificateBatchListView.as_view(),
        name="api-certificate-batches",
    ),
    path(
        "certificate-batches/<int:pk>/",
        views.CertificateBatchView.as_view(),
        name="api-certificate-batch",
    ),
    path(
        "contests/<slug:slug>/certificates/",
        views.ContestCertificatesView.as_view(),
        name="api-contest-certificates",
    ),
    path(
        "contests/<slug:slug>/certificates/zip/",
        views.ContestCertificatesZipView.as_view(),
        name="api-contest-certificates-zip",
    ),
    path("me/certificates/", views.MyCertificatesView.as_view(), name="api-my-certificates"),
    path(
        "certificates/<int:pk>/pdf/", views.CertificatePdfView.as_view(), name="api-certificate-pdf"
    ),
    path(
        "certificates/<int:pk>/revoke/",
        views.RevokeCertificateView.as_view(),
        name="api-revoke-certificate",
    ),
    path(
        "public/certificates/<str:code>/",
        views.VerifyCertificateView.as_view(),
        name="api-verify-certificate",
    ),
]
