"""Organiser pages that set up a contest's rooms (sessions take place in them)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import DeleteForm, save_through
from contest.models import Contest
from contest.selectors import is_organiser
from scheduling import services
from scheduling.models import Room
from scheduling.setup_forms import RoomForm


def _require_organiser(request, contest: Contest) -> None:
    if not is_organiser(request.user, contest):
        raise PermissionDenied


@login_required
def room_list(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    _require_organiser(request, contest)
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if save_through(
            form, services.save_room, contest=contest, actor=request.user, **form.cleaned_data
        ):
            messages.success(request, _("The room is added."))
            return redirect("setup-rooms", slug=slug)
    rooms = contest.rooms.order_by("name").annotate(session_count=Count("sessions"))
    return render(
        request,
        "scheduling/setup/rooms.html",
        {"contest": contest, "rooms": rooms, "form": form},
    )


def _organiser_room(request, pk) -> Room:
    room = get_object_or_404(Room.objects.select_related("contest"), pk=pk)
    _require_organiser(request, room.contest)
    return room


def _room_page(request, room: Room, form, delete_form):
    return render(
        request,
        "scheduling/setup/room_edit.html",
        {"contest": room.contest, "room": room, "form": form, "delete_form": delete_form},
    )


@login_required
def room_edit(request, pk):
    room = _organiser_room(request, pk)
    form = RoomForm.for_room(room, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if save_through(
            form,
            services.save_room,
            contest=room.contest,
            room=room,
            actor=request.user,
            **form.cleaned_data,
        ):
            messages.success(request, _("The room is saved."))
            return redirect("setup-rooms", slug=room.contest.slug)
    return _room_page(request, room, form, DeleteForm())


@login_required
@require_POST
def room_delete(request, pk):
    room = _organiser_room(request, pk)
    delete_form = DeleteForm(request.POST)
    if delete_form.is_valid() and save_through(
        delete_form, services.delete_room, room=room, actor=request.user
    ):
        messages.success(request, _("The room is deleted."))
        return redirect("setup-rooms", slug=room.contest.slug)
    return _room_page(request, room, RoomForm.for_room(room), delete_form)
