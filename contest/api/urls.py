from django.urls import path

from contest.api import views

urlpatterns = [
    path("contests/", views.ContestListView.as_view(), name="api-contests"),
    path(
        "contests/<slug:slug>/entries/",
        views.ContestEntriesView.as_view(),
        name="api-contest-entries",
    ),
    path(
        "contests/<slug:slug>/status/",
        views.ContestStatusView.as_view(),
        name="api-contest-status",
    ),
    path("entries/<int:pk>/approve/", views.EntryApproveView.as_view(), name="api-entry-approve"),
    path("entries/<int:pk>/reject/", views.EntryRejectView.as_view(), name="api-entry-reject"),
]
