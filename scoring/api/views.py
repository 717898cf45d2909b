from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import DomainError
from contest.models import Contest, Entry, Role
from contest.selectors import require_role
from scheduling.models import Round
from scoring import selectors, services
from scoring.api.serializers import (
    RankingSerializer,
    ScoreSheetInputSerializer,
    ScoreSheetSerializer,
)
from scoring.models import Ranking


class ScoreSheetSubmitView(APIView):
    @extend_schema(request=ScoreSheetInputSerializer, responses={201: ScoreSheetSerializer})
    def post(self, request):
        serializer = ScoreSheetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        round = Round.objects.filter(pk=data["round"]).first()
        if round is None:
            raise DomainError(_("No such round."), field="round")
        entry = Entry.objects.filter(pk=data["entry"], contest_id=round.contest_id).first()
        if entry is None:
            raise DomainError(_("No such entry in this round's contest."), field="entry")
        sheet = services.save_score_sheet(
            judge=request.user, round=round, entry=entry, marks=data["marks"], submit=data["submit"]
        )
        sheet = selectors.sheets_of_judge(request.user, round).get(pk=sheet.pk)
        return Response(ScoreSheetSerializer(sheet).data, status=status.HTTP_201_CREATED)


class MySheetsView(APIView):
    """A judge's own sheets of a round; never anyone else's."""

    @extend_schema(responses=ScoreSheetSerializer(many=True))
    def get(self, request, pk):
        round = get_object_or_404(Round, pk=pk)
        return Response(
            ScoreSheetSerializer(selectors.sheets_of_judge(request.user, round), many=True).data
        )


class RoundRankingsView(APIView):
    """Every snapshot of a round, for the organisers' review."""

    @extend_schema(responses=RankingSerializer(many=True))
    def get(self, request, pk):
        round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
        require_role(request.user, round.contest, Role.ORGANISER)
        rankings = selectors.rankings_for_review(round)
        return Response(RankingSerializer(rankings, many=True).data)


class RankingPublishView(APIView):
    @extend_schema(request=None, responses=RankingSerializer)
    def post(self, request, pk):
        ranking = get_object_or_404(Ranking.objects.select_related("round__contest"), pk=pk)
        services.publish_ranking(ranking=ranking, actor=request.user)
        return Response(
            RankingSerializer(selectors.rankings_for_review(ranking.round).get(pk=pk)).data
        )


class PublicResultsView(APIView):
    """Published standings of a contest: nothing that was not published."""

    permission_classes = [AllowAny]

    @extend_schema(responses=RankingSerializer(many=True))
    def get(self, request, slug):
        contest = get_object_or_404(Contest, slug=slug)
        return Response(RankingSerializer(selectors.published_rankings(contest), many=True).data)
