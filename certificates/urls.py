from django.urls import path

from certificates import template_views, views

app_name = "certificates"

urlpatterns = [
    path("me/certificates/", views.my_certificates, name="mine"),
    path("certificates/<int:pk>/download/", views.download, name="download"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("contests/<slug:slug>/certificates/issue/", views.issue, name="issue"),
    path("contests/<slug:slug>/certificates/", views.contest_certificates, name="contest"),
    path("contests/<slug:slug>/certificates/zip/", views.contest_zip, name="zip"),
    path("certificates/<int:pk>/revoke/", views.revoke, name="revoke"),
    path(
        "contests/<slug:slug>/certificates/template/",
        template_views.template_settings,
        name="template",
    ),
    path(
        "contests/<slug:slug>/certificates/template/preview.pdf",
        template_views.template_preview_pdf,
        name="template-preview-pdf",
    ),
    path(
        "contests/<slug:slug>/certificates/template/preview.png",
        template_views.template_preview_png,
        name="template-preview-png",
    ),
]
