"""Organiser pages that set up a contest: rounds and their rubrics, prizes, rooms, roles."""

from django.urls import path

from contest import roles_views
from scheduling import setup_views as scheduling_setup
from scoring import setup_views as scoring_setup

urlpatterns = [
    path("contests/<slug:slug>/rounds/", scoring_setup.round_list, name="setup-rounds"),
    path("rounds/<int:pk>/edit/", scoring_setup.round_edit, name="setup-round-edit"),
    path("rounds/<int:pk>/rubric/", scoring_setup.rubric_edit, name="setup-rubric"),
    path("rubric-parts/<int:pk>/edit/", scoring_setup.part_edit, name="setup-part-edit"),
    path("rubric-parts/<int:pk>/delete/", scoring_setup.part_delete, name="setup-part-delete"),
    path("rubric-parts/<int:pk>/move/", scoring_setup.part_move, name="setup-part-move"),
    path("criteria/<int:pk>/edit/", scoring_setup.criterion_edit, name="setup-criterion-edit"),
    path(
        "criteria/<int:pk>/delete/",
        scoring_setup.criterion_delete,
        name="setup-criterion-delete",
    ),
    path("criteria/<int:pk>/move/", scoring_setup.criterion_move, name="setup-criterion-move"),
    path(
        "penalty-rules/<int:pk>/delete/",
        scoring_setup.penalty_rule_delete,
        name="setup-penalty-rule-delete",
    ),
    path("contests/<slug:slug>/prizes/", scoring_setup.prize_list, name="setup-prizes"),
    path("prizes/<int:pk>/edit/", scoring_setup.prize_edit, name="setup-prize-edit"),
    path("prizes/<int:pk>/delete/", scoring_setup.prize_delete, name="setup-prize-delete"),
    path("contests/<slug:slug>/rooms/", scheduling_setup.room_list, name="setup-rooms"),
    path("rooms/<int:pk>/edit/", scheduling_setup.room_edit, name="setup-room-edit"),
    path("rooms/<int:pk>/delete/", scheduling_setup.room_delete, name="setup-room-delete"),
    path("contests/<slug:slug>/roles/", roles_views.contest_roles, name="setup-roles"),
    path(
        "memberships/<int:pk>/remove/",
        roles_views.membership_remove,
        name="setup-membership-remove",
    ),
]
