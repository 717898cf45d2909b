from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from contest import selectors, services
from contest.api.serializers import (
    ContestSerializer,
    ContestStatusSerializer,
    EntrySerializer,
    EntrySignupSerializer,
    RejectSerializer,
)
from contest.models import Contest, Entry


class ContestListView(generics.ListAPIView):
    """Contests are public information."""

    permission_classes = [AllowAny]
    serializer_class = ContestSerializer

    def get_queryset(self):
        return selectors.contests_listed_for(self.request.user).select_related(
            "organising_unit", "advances_to"
        )


class ContestEntriesView(APIView):
    @extend_schema(responses=EntrySerializer(many=True))
    def get(self, request, slug):
        contest = get_object_or_404(Contest, slug=slug)
        entries = selectors.entries_visible_to(request.user, contest)
        return Response(EntrySerializer(entries, many=True).data)

    @extend_schema(request=EntrySignupSerializer, responses={201: EntrySerializer})
    def post(self, request, slug):
        contest = get_object_or_404(Contest, slug=slug)
        serializer = EntrySignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.register_entry(
            contest=contest,
            user=request.user,
            initiative_title=data["initiative_title"],
            field=data["field"],
            kind=data["kind"],
            summary=data.get("summary", ""),
            initiative_year=data.get("initiative_year"),
            presenters=[services.PresenterInput(**p) for p in data["presenters"]],
        )
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class EntryApproveView(APIView):
    @extend_schema(request=None, responses=EntrySerializer)
    def post(self, request, pk):
        entry = services.approve_entry(entry=get_object_or_404(Entry, pk=pk), actor=request.user)
        return Response(EntrySerializer(entry).data)


class EntryRejectView(APIView):
    @extend_schema(request=RejectSerializer, responses=EntrySerializer)
    def post(self, request, pk):
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.reject_entry(
            entry=get_object_or_404(Entry, pk=pk),
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(EntrySerializer(entry).data)


class ContestStatusView(APIView):
    """Move the contest one step through its lifecycle (organisers)."""

    @extend_schema(request=ContestStatusSerializer, responses=ContestSerializer)
    def post(self, request, slug):
        serializer = ContestStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contest = services.change_contest_status(
            contest=get_object_or_404(Contest, slug=slug),
            to_status=serializer.validated_data["status"],
            note=serializer.validated_data.get("note", ""),
            actor=request.user,
        )
        return Response(ContestSerializer(contest).data)
