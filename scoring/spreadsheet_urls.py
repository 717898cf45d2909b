from django.urls import path

from scoring import spreadsheet_views

urlpatterns = [
    path(
        "contests/<slug:slug>/awards.xlsx",
        spreadsheet_views.contest_awards_xlsx,
        name="contest-awards-xlsx",
    ),
]
