from django.urls import path

from scoring.api import views

urlpatterns = [
    path("score-sheets/", views.ScoreSheetSubmitView.as_view(), name="api-score-sheets"),
    path("rounds/<int:pk>/my-sheets/", views.MySheetsView.as_view(), name="api-my-sheets"),
    path("rounds/<int:pk>/rankings/", views.RoundRankingsView.as_view(), name="api-round-rankings"),
    path(
        "rankings/<int:pk>/publish/", views.RankingPublishView.as_view(), name="api-ranking-publish"
    ),
    path(
        "public/contests/<slug:slug>/results/",
        views.PublicResultsView.as_view(),
        name="api-public-results",
    ),
]
