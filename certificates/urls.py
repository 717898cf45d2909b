from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("me/certificates/", views.my_certificates, name="mine"),
    path("certificates/<int:pk>/download/", views.download, name="download"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("contests/<slug:slug>/certificates/issue/", views.issue, name="issue"),
]
