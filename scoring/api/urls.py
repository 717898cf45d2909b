from django.urls import path

from scoring import services
from scoring.api import console, views

urlpatterns = [
    path("score-sheets/", views.ScoreSheetSubmitView.as_view(), name="api-score-sheets"),
    path("rounds/<int:pk>/my-sheets/", views.MySheetsView.as_view(), name="api-my-sheets"),
    path("rounds/<int:pk>/rankings/", views.RoundRankingsView.as_view(), name="api-round-rankings"),
    path(
        "rankings/<int:pk>/publish/",
        views.RankingPublishView.as_view(),
        name="api-ranking-publish",
    ),
    path(
        "rankings/<int:pk>/unpublish/",
        views.RankingPublicationView.as_view(change=services.unpublish_ranking),
        name="api-ranking-unpublish",
    ),
    path("rankings/<int:pk>/sign-off/", views.RankingSignOffView.as_view(), name="api-sign-off"),
    path("rankings/<int:pk>/reveal/", views.RevealNextView.as_view(), name="api-reveal-next"),
    path(
        "rankings/<int:pk>/reveal/finish/",
        views.RevealFinishView.as_view(),
        name="api-reveal-finish",
    ),
    path(
        "score-sheets/<int:pk>/unlock/",
        views.ScoreSheetUnlockView.as_view(),
        name="api-score-sheet-unlock",
    ),
    path("sessions/<int:pk>/progress/", views.SessionProgressView.as_view(), name="api-progress"),
    path("sessions/<int:pk>/nudges/", console.NudgeView.as_view(), name="api-nudges"),
    path("rounds/<int:pk>/timers/", views.TimerView.as_view(), name="api-timers"),
    path("declarations/", views.DeclarationView.as_view(), name="api-declarations"),
    path("rounds/<int:pk>/paper-sheets/", views.PaperSheetsView.as_view(), name="api-paper-sheets"),
    path("rounds/<int:pk>/penalties/", views.PenaltyCreateView.as_view(), name="api-penalties"),
    path("rounds/<int:pk>/tie-breaks/", views.TieBreaksView.as_view(), name="api-tie-breaks"),
    path("contests/<slug:slug>/advance/", views.AdvanceWinnersView.as_view(), name="api-advance"),
    path(
        "public/contests/<slug:slug>/results/",
        views.PublicResultsView.as_view(),
        name="api-public-results",
    ),
]
