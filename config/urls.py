from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from contest import views as contest_views
from contest.auth import LockoutAdminAuthenticationForm, LockoutAuthenticationForm
from scheduling import views as scheduling_views
from scoring import views as scoring_views

# The judges' API first: Django tries the patterns in order, and every include passed over
# costs a failed match of each of its patterns, on every sheet a judge sends. No two of these
# modules match the same address (tests/unit/test_urls.py), so the order changes nothing else.
api_patterns = [
    path("", include("scoring.api.urls")),
    path("", include("contest.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("certificates.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]

admin.site.login_form = LockoutAdminAuthenticationForm

urlpatterns = [
    path("", contest_views.home, name="home"),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        LoginView.as_view(authentication_form=LockoutAuthenticationForm),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("j/<str:token>/", contest_views.link_login, name="link-login"),
    path("contests/<slug:slug>/login-links/", contest_views.login_links, name="login-links"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(api_patterns)),
    path("contests/new/", contest_views.contest_create, name="contest-create"),
    path("contests/<slug:slug>/", contest_views.contest_detail, name="contest-detail"),
    path("contests/<slug:slug>/settings/", contest_views.contest_settings, name="contest-settings"),
    path("contests/<slug:slug>/signup/", contest_views.entry_signup, name="entry-signup"),
    path(
        "contests/<slug:slug>/advancement/",
        scoring_views.contest_advancement,
        name="contest-advancement",
    ),
    path(
        "contests/<slug:slug>/dashboard/", scoring_views.contest_dashboard, name="contest-dashboard"
    ),
    path("contests/<slug:slug>/status/", contest_views.contest_status, name="contest-status"),
    path("contests/<slug:slug>/decide/", contest_views.entries_decide, name="entries-decide"),
    path("entries/<int:pk>/decide/", contest_views.entry_decide, name="entry-decide"),
    path("entries/<int:pk>/files/", contest_views.entry_files, name="entry-files"),
    path(
        "attachments/<int:pk>/download/",
        contest_views.attachment_download,
        name="attachment-download",
    ),
    path("rounds/<int:pk>/schedule/", scheduling_views.round_schedule, name="round-schedule"),
    path("rounds/<int:pk>/status/", scheduling_views.round_status, name="round-status"),
    path(
        "rounds/<int:pk>/assign-judges/",
        scheduling_views.round_assign_judges,
        name="round-assign-judges",
    ),
    path("sessions/<int:pk>/draw/", scheduling_views.session_draw, name="session-draw"),
    path(
        "sessions/<int:pk>/running-order.pdf",
        scheduling_views.running_order_pdf,
        name="running-order-pdf",
    ),
    path(
        "rounds/<int:pk>/schedule.xlsx",
        scheduling_views.round_schedule_xlsx,
        name="round-schedule-xlsx",
    ),
    path("slots/<int:pk>/move/", scheduling_views.slot_move, name="slot-move"),
    path(
        "rounds/<int:pk>/schedule/publish/",
        scheduling_views.schedule_publish,
        name="schedule-publish",
    ),
    path(
        "rounds/<int:pk>/schedule/severities/",
        scheduling_views.schedule_severities,
        name="schedule-severities",
    ),
    path("sessions/<int:pk>/breaks/", scheduling_views.session_break, name="session-break"),
    path("rounds/<int:pk>/timing/", scheduling_views.round_timing, name="round-timing"),
    path("breaks/<int:pk>/delete/", scheduling_views.break_delete, name="break-delete"),
    path("sessions/<int:pk>/draws/", scheduling_views.draw_record, name="draw-record"),
    path("me/schedule/", scheduling_views.my_schedule, name="my-schedule"),
    path("calendar/<str:token>/feed.ics", scheduling_views.calendar_feed, name="calendar-feed"),
    path("judge/", scoring_views.judge_home, name="judge-home"),
    path("judge/sessions/<int:pk>/", scoring_views.judge_session, name="judge-session"),
    path(
        "judge/sessions/<int:pk>/console.json",
        scoring_views.judge_console,
        name="judge-console",
    ),
    path("judge/sw.js", scoring_views.judge_service_worker, name="judge-service-worker"),
    path("judge/sessions/<int:pk>/head/", scoring_views.head_console, name="head-console"),
    path(
        "judge/rounds/<int:round_id>/entries/<int:entry_id>/",
        scoring_views.score_entry,
        name="score-entry",
    ),
    path("rounds/<int:pk>/rankings/", scoring_views.round_rankings, name="round-rankings"),
    path("rounds/<int:pk>/minutes.pdf", scoring_views.round_minutes_pdf, name="round-minutes"),
    path(
        "rounds/<int:pk>/results.xlsx", scoring_views.round_results_xlsx, name="round-results-xlsx"
    ),
    path(
        "rounds/<int:pk>/rankings/compute/", scoring_views.ranking_compute, name="ranking-compute"
    ),
    path("rankings/<int:pk>/publish/", scoring_views.ranking_publish, name="ranking-publish"),
    path("rankings/<int:pk>/unpublish/", scoring_views.ranking_unpublish, name="ranking-unpublish"),
    path("rankings/<int:pk>/sign-off/", scoring_views.ranking_sign_off, name="ranking-sign-off"),
    path("results/<slug:slug>/", scoring_views.public_results, name="public-results"),
    path("board/<slug:slug>/", scoring_views.results_board, name="results-board"),
    path("contests/<slug:slug>/ceremony/", scoring_views.ceremony_remote, name="ceremony-remote"),
    path("", include("certificates.urls")),
    path("", include("contest.spreadsheet_urls")),
    path("", include("scoring.spreadsheet_urls")),
    path("", include("config.setup_urls")),
]

handler404 = "config.api.not_found"
handler500 = "config.error_views.server_error"
