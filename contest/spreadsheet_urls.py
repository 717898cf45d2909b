from django.urls import path

from contest import spreadsheet_views

urlpatterns = [
    path("units/import/", spreadsheet_views.units_import, name="units-import"),
    path(
        "units/import/template.xlsx",
        spreadsheet_views.units_import_template,
        name="units-import-template",
    ),
    path(
        "contests/<slug:slug>/import/<str:kind>/",
        spreadsheet_views.contest_import,
        name="contest-import",
    ),
    path(
        "contests/<slug:slug>/import/<str:kind>/template.xlsx",
        spreadsheet_views.contest_import_template,
        name="contest-import-template",
    ),
    path(
        "contests/<slug:slug>/entries.xlsx",
        spreadsheet_views.contest_entries_xlsx,
        name="contest-entries-xlsx",
    ),
]
