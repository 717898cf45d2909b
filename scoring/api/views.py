from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import DomainError, NotAllowed
from config.schema import ERROR
from contest.models import Contest, Entry, Role
from contest.selectors import require_role
from scheduling.models import Round, Session
from scheduling.selectors import require_session_staff
from scoring import public, selectors, services
from scoring.api.serializers import (
    AdvancementSerializer,
    DeclarationSerializer,
    PaperSheetInputSerializer,
    PaperSheetSerializer,
    PenaltyInputSerializer,
    PenaltySerializer,
    PublicResultsSerializer,
    PublishSerializer,
    ReasonSerializer,
    RevealSerializer,
    RevealStepSerializer,
    ReviewRankingSerializer,
    ScoreSheetInputSerializer,
    ScoreSheetSerializer,
    SheetStateSerializer,
    SignOffSerializer,
    TieBreaksSerializer,
    TimerInputSerializer,
)
from scoring.idempotency import expected_version, idempotent
from scoring.models import Ranking, RubricPart, ScoreSheet

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="A fresh key per write (e.g. a UUID); a retry with the same key and body "
    "returns the original response.",
)
# What the Idempotency-Key protocol answers besides the write's own: a twin still in flight
# (409), the key reused for another body (422).
IDEMPOTENT_REFUSALS = {409: ERROR, 422: ERROR}
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The sheet's ETag when it was read: a sheet changed since is a 412.",
)


def round_and_entry(round_id: int, entry_id: int) -> tuple[Round, Entry]:
    """The round and an entry of its contest, or a 400 naming the field at fault."""
    round = Round.objects.select_related("contest").filter(pk=round_id).first()
    if round is None:
        raise DomainError(_("No such round."), field="round")
    return round, entry_of(round, entry_id)


def written_by(request, data: dict) -> None:
    """A tablet names the judge it wrote the sheet for: a sheet queued under one judge's login
    and sent after another judge logged in on the same tablet is refused, never filed under the
    wrong name."""
    if "judge" in data and data["judge"] != request.user.pk:
        raise NotAllowed(_("This sheet was written under another judge's login."))


def entry_of(round: Round, entry_id: int) -> Entry:
    entry = Entry.objects.filter(pk=entry_id, contest_id=round.contest_id).first()
    if entry is None:
        raise DomainError(_("No such entry in this round's contest."), field="entry")
    return entry


class ScoreSheetSubmitView(APIView):
    @extend_schema(
        request=ScoreSheetInputSerializer,
        responses={201: ScoreSheetSerializer, 412: ERROR, **IDEMPOTENT_REFUSALS},
        parameters=[IDEMPOTENCY_KEY, IF_MATCH],
    )
    @idempotent
    def post(self, request):
        serializer = ScoreSheetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        written_by(request, data)
        # One query for the round, the entry, the judge's seat on its panel and the rubric's
        # criteria; only when it finds nothing are the round and the entry looked up, to say
        # which one is wrong.
        slot = selectors.judging_slot(request.user, data["round"], data["entry"])
        if slot is not None:
            round, entry = slot.round, slot.entry
        else:
            round, entry = round_and_entry(data["round"], data["entry"])
        sheet = services.save_score_sheet(
            judge=request.user,
            round=round,
            entry=entry,
            marks=data["marks"],
            submit=data["submit"],
            expected_version=expected_version(request),
            slot=slot,
        )
        # The service hands the sheet back with its marks: nothing to read again.
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

    @extend_schema(responses=ReviewRankingSerializer(many=True))
    def get(self, request, pk):
        round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
        require_role(request.user, round.contest, Role.ORGANISER)
        rankings = selectors.rankings_for_review(round)
        return Response(ReviewRankingSerializer(rankings, many=True).data)


class RankingPublicationView(APIView):
    """Unpublish a snapshot (the service is set per URL; publishing has RankingPublishView,
    which takes the confirmation of missing sheets)."""

    change = None  # services.unpublish_ranking

    @extend_schema(request=None, responses=ReviewRankingSerializer)
    def post(self, request, pk):
        ranking = get_object_or_404(Ranking.objects.select_related("round__contest"), pk=pk)
        self.change(ranking=ranking, actor=request.user)
        return Response(
            ReviewRankingSerializer(selectors.rankings_for_review(ranking.round).get(pk=pk)).data
        )


class RankingPublishView(APIView):
    """Publish a snapshot. While score sheets the round expects are missing, the answer is a
    400 listing them (missing_sheets); sending that list back as confirm_missing publishes."""

    @extend_schema(request=PublishSerializer, responses=ReviewRankingSerializer)
    def post(self, request, pk):
        ranking = get_object_or_404(Ranking.objects.select_related("round__contest"), pk=pk)
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        confirmed = serializer.validated_data.get("confirm_missing")
        services.publish_ranking(
            ranking=ranking,
            actor=request.user,
            ceremony=serializer.validated_data["ceremony"],
            confirm_missing=None
            if confirmed is None
            else [(sheet["judge"], sheet["entry"]) for sheet in confirmed],
        )
        return Response(
            ReviewRankingSerializer(selectors.rankings_for_review(ranking.round).get(pk=pk)).data
        )


class AdvanceWinnersView(APIView):
    """Enter the contest's winners, chosen by its rule from the published results, in the
    contest they advance to; running it again changes nothing."""

    @extend_schema(request=None, responses=AdvancementSerializer)
    def post(self, request, slug):
        contest = get_object_or_404(Contest, slug=slug)
        result = services.advance_winners(contest=contest, actor=request.user)
        return Response(AdvancementSerializer(result).data)


class ScoreSheetUnlockView(APIView):
    """The head judge of the entry's panel reopens a submitted sheet, with a reason."""

    @extend_schema(request=ReasonSerializer, responses=SheetStateSerializer)
    def post(self, request, pk):
        sheet = get_object_or_404(ScoreSheet, pk=pk)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sheet = services.unlock_score_sheet(
            sheet=sheet, actor=request.user, reason=serializer.validated_data["reason"]
        )
        # The sheet is a colleague's: the head judge learns its state, never its marks.
        return Response(SheetStateSerializer(sheet).data)


class DeclarationView(APIView):
    """A judge abstains, or declares a conflict of interest, for one entry."""

    @extend_schema(
        request=DeclarationSerializer,
        responses={201: ScoreSheetSerializer, **IDEMPOTENT_REFUSALS},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request):
        serializer = DeclarationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        written_by(request, data)
        round, entry = round_and_entry(data["round"], data["entry"])
        sheet = services.declare_not_scoring(
            judge=request.user,
            round=round,
            entry=entry,
            participation=data["participation"],
            reason=data["reason"],
        )
        return Response(ScoreSheetSerializer(sheet).data, status=status.HTTP_201_CREATED)


class PaperSheetsView(APIView):
    """Secretaries type in paper sheets twice; organisers, secretaries and head judges see the
    entries, mismatches flagged."""

    @extend_schema(responses=PaperSheetSerializer(many=True))
    def get(self, request, pk):
        round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
        sheets = selectors.paper_sheets_for(request.user, round)
        return Response(PaperSheetSerializer(sheets, many=True).data)

    @extend_schema(
        request=PaperSheetInputSerializer,
        responses={201: PaperSheetSerializer, **IDEMPOTENT_REFUSALS},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request, pk):
        serializer = PaperSheetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        round, entry = round_and_entry(pk, data["entry"])
        judge = get_user_model().objects.filter(username=data["judge"]).first()
        if judge is None:
            raise DomainError(_("No such judge."), field="judge")
        paper = services.enter_paper_sheet(
            secretary=request.user, round=round, entry=entry, judge=judge, marks=data["marks"]
        )
        return Response(PaperSheetSerializer(paper).data, status=status.HTTP_201_CREATED)


class SessionProgressView(APIView):
    """The head judge's console: who has submitted what in this session, live."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        session = get_object_or_404(
            Session.objects.select_related("round__contest", "panel"), pk=pk
        )
        require_session_staff(request.user, session, Role.ORGANISER, Role.SECRETARY)
        return Response(selectors.session_progress(session))


class TimerView(APIView):
    """The presentation timer of the head judge's console; stopping it proposes the overtime
    penalty of the part's rules."""

    @extend_schema(request=TimerInputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk):
        serializer = TimerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        round, entry = round_and_entry(pk, data["entry"])
        part = RubricPart.objects.filter(pk=data["part"], rubric__round=round).first()
        if part is None:
            raise DomainError(_("No such part in this round's rubric."), field="part")
        return Response(
            services.run_timer(
                round=round, entry=entry, part=part, action=data["action"], actor=request.user
            )
        )


class PenaltyCreateView(APIView):
    """A deduction from an entry's total; a retried request (same Idempotency-Key) deducts
    once."""

    @extend_schema(
        request=PenaltyInputSerializer,
        responses={201: PenaltySerializer, **IDEMPOTENT_REFUSALS},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request, pk):
        round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
        serializer = PenaltyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = entry_of(round, data["entry"])
        part = None
        if "part" in data:
            part = RubricPart.objects.filter(pk=data["part"], rubric__round=round).first()
            if part is None:
                raise DomainError(_("No such part in this round's rubric."), field="part")
        penalty = services.apply_penalty(
            round=round,
            entry=entry,
            actor=request.user,
            reason=data["reason"],
            points=data.get("points"),
            part=part,
            minutes_over=data.get("minutes_over"),
        )
        return Response(PenaltySerializer(penalty).data, status=status.HTTP_201_CREATED)


class TieBreaksView(APIView):
    @extend_schema(request=TieBreaksSerializer, responses=TieBreaksSerializer)
    def put(self, request, pk):
        round = get_object_or_404(Round.objects.select_related("contest", "rubric"), pk=pk)
        if not hasattr(round, "rubric"):
            raise DomainError(_("This round has no rubric yet."))
        serializer = TieBreaksSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rubric = services.set_tie_breaks(
            rubric=round.rubric, steps=serializer.validated_data["tie_breaks"], actor=request.user
        )
        return Response({"tie_breaks": rubric.tie_breaks})


class PublicResultsView(APIView):
    """A contest's published results: nothing that was not published, and during a prize
    ceremony only the prizes revealed so far. Served from a precomputed document with ETag
    and Last-Modified; a conditional request for an unchanged document gets 304."""

    permission_classes = [AllowAny]
    authentication_classes = []  # public: no session to read, no CSRF to check

    @extend_schema(responses={200: PublicResultsSerializer, 304: None})
    def get(self, request, slug):
        results = public.public_results(slug)
        if results is None:
            raise Http404
        return conditional_json(request, results)


def conditional_json(request, results: public.PublicResults) -> HttpResponse:
    """The document's bytes as they are, or 304 when the client has them already."""
    not_modified = get_conditional_response(
        request, etag=results.etag, last_modified=int(results.last_modified)
    )
    response = not_modified or HttpResponse(results.body, content_type="application/json")
    response["ETag"] = results.etag
    response["Last-Modified"] = results.last_modified_http
    # Shared caches may keep it, but must ask again each time: a publish shows at once.
    response["Cache-Control"] = "public, no-cache"
    return response


class RankingSignOffView(APIView):
    """A head judge of the round signs this version of its ranking off before publication."""

    @extend_schema(request=None, responses=SignOffSerializer)
    def post(self, request, pk):
        ranking = get_object_or_404(Ranking.objects.select_related("round__contest"), pk=pk)
        event = services.sign_off_ranking(ranking=ranking, actor=request.user)
        return Response(SignOffSerializer(event).data)


class RevealNextView(APIView):
    """The organiser's remote reveals the next prize of the ceremony on the board."""

    @extend_schema(request=RevealStepSerializer, responses=RevealSerializer)
    def post(self, request, pk):
        ranking = get_object_or_404(Ranking.objects.select_related("round__contest"), pk=pk)
        serializer = RevealStepSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reveal = services.reveal_next_prize(
            ranking=ranking, actor=request.user, step=serializer.validated_data["step"]
        )
        return Response(RevealSerializer(reveal).data)


class RevealFinishView(APIView):
    """End the ceremony: the whole results become public."""

    @extend_schema(request=None, responses=RevealSerializer)
    def post(self, request, pk):
        ranking = get_object_or_404(Ranking.objects.select_related("round__contest"), pk=pk)
        reveal = services.finish_reveal(ranking=ranking, actor=request.user)
        return Response(RevealSerializer(reveal).data)
