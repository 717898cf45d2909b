from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import DomainError, NotAllowed
from contest.models import Contest
from scheduling import selectors, services
from scheduling.api.serializers import (
    AdvanceSerializer,
    DrawInputSerializer,
    DrawSerializer,
    JudgeAssignmentSerializer,
    PanelInputSerializer,
    PanelSerializer,
    RoundStatusSerializer,
    SessionInputSerializer,
    SessionSerializer,
    SlotSerializer,
)
from scheduling.models import Panel, Round, Session


class PanelCreateView(APIView):
    @extend_schema(request=PanelInputSerializer, responses={201: PanelSerializer})
    def post(self, request, slug):
        contest = get_object_or_404(Contest, slug=slug)
        serializer = PanelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        panel = services.create_panel(
            contest=contest,
            name=serializer.validated_data["name"],
            seats=[services.SeatInput(**seat) for seat in serializer.validated_data["judges"]],
            actor=request.user,
        )
        return Response(PanelSerializer(panel).data, status=status.HTTP_201_CREATED)


class SessionCreateView(APIView):
    @extend_schema(request=SessionInputSerializer, responses={201: SessionSerializer})
    def post(self, request, pk):
        round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
        serializer = SessionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        panel = Panel.objects.filter(pk=data["panel"], contest=round.contest).first()
        if panel is None:
            raise DomainError(_("No such panel in this contest."), field="panel")
        entries = None
        if "entries" in data:
            entries = list(round.contest.entries.filter(pk__in=data["entries"]))
            if len(entries) != len(set(data["entries"])):
                raise DomainError(_("An entry is not part of this contest."), field="entries")
        session = services.create_session(
            round=round,
            name=data["name"],
            starts_at=data["starts_at"],
            panel=panel,
            room_name=data.get("room", ""),
            entries=entries,
            actor=request.user,
        )
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class SessionDrawView(APIView):
    @extend_schema(request=DrawInputSerializer, responses={201: DrawSerializer})
    def post(self, request, pk):
        session = get_object_or_404(Session.objects.select_related("round__contest"), pk=pk)
        serializer = DrawInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.draw_running_order(
            session=session, actor=request.user, **serializer.validated_data
        )
        return Response(DrawSerializer(result).data, status=status.HTTP_201_CREATED)


class JudgeRunningOrderView(APIView):
    """A judge's view of a session: the running order without entries of their own unit."""

    @extend_schema(responses=SlotSerializer(many=True))
    def get(self, request, pk):
        session = get_object_or_404(Session, pk=pk)
        if selectors.seat_of(request.user, session) is None:
            raise NotAllowed(_("You are not on this session's panel."))
        slots = selectors.running_order_for_judge(request.user, session)
        return Response(SlotSerializer(slots, many=True).data)


class SessionAdvanceView(APIView):
    """The secretary or head judge moves the session to the entry now on stage."""

    @extend_schema(request=AdvanceSerializer, responses=SessionSerializer)
    def post(self, request, pk):
        session = get_object_or_404(Session.objects.select_related("round__contest"), pk=pk)
        serializer = AdvanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.advance_session(
            session=session, position=serializer.validated_data["position"], actor=request.user
        )
        return Response(SessionSerializer(session).data)


class RoundStatusView(APIView):
    @extend_schema(request=RoundStatusSerializer, responses=RoundStatusSerializer)
    def post(self, request, pk):
        round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
        serializer = RoundStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        round = services.set_round_status(
            round=round, actor=request.user, **serializer.validated_data
        )
        return Response({"status": round.status})


class JudgeAssignmentView(APIView):
    """Organisers: seat the judge pool on every panel of the round's sessions, replacing the
    seats in force; a 400 says which rule cannot be met, and nothing changes."""

    @extend_schema(request=None, responses=JudgeAssignmentSerializer)
    def post(self, request, pk):
        round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
        result = services.assign_judges(round=round, actor=request.user)
        names = dict(
            get_user_model()
            .objects.filter(pk__in=result.load)
            .values_list("pk", get_user_model().USERNAME_FIELD)
        )
        panels = Panel.objects.filter(pk__in=result.seats).order_by("name", "pk")
        body = {
            "status": result.status,
            "panels": [
                {
                    "id": panel.pk,
                    "name": panel.name,
                    "head_judge": names[result.heads[panel.pk]],
                    "judges": [names[judge] for judge in result.seats[panel.pk]],
                }
                for panel in panels
            ],
            "load": {names[judge]: load for judge, load in result.load.items()},
        }
        return Response(JudgeAssignmentSerializer(body).data)
