from django.urls import path

from scheduling.api import views

urlpatterns = [
    path("contests/<slug:slug>/panels/", views.PanelCreateView.as_view(), name="api-panels"),
    path("rounds/<int:pk>/sessions/", views.SessionCreateView.as_view(), name="api-round-sessions"),
    path("rounds/<int:pk>/status/", views.RoundStatusView.as_view(), name="api-round-status"),
    path(
        "rounds/<int:pk>/assign-judges/",
        views.JudgeAssignmentView.as_view(),
        name="api-round-assign-judges",
    ),
    path(
        "sessions/<int:pk>/advance/", views.SessionAdvanceView.as_view(), name="api-session-advance"
    ),
    path("sessions/<int:pk>/draw/", views.SessionDrawView.as_view(), name="api-session-draw"),
    path(
        "sessions/<int:pk>/running-order/",
        views.JudgeRunningOrderView.as_view(),
        name="api-session-running-order",
    ),
]
