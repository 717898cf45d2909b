import re
from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from config.api import id_field
from scoring import selectors
from scoring.models import Ranking, ScoreSheet, Standing


class ScoreSheetInputSerializer(serializers.Serializer):
    round = id_field()
    entry = id_field()
    # The judge the tablet wrote the sheet for: a queued sheet never lands under another login.
    judge = id_field(required=False)
    marks = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=20), allow_empty=True
    )
    submit = serializers.BooleanField(default=True)

    def validate_marks(self, value):
        if len(value) > MAX_MARKS:
            raise serializers.ValidationError(_("Too many marks."))
        return value

    def run_validation(self, data=serializers.empty):
        # A tablet's well-formed sheet is checked here without building the fields, which DRF
        # deep-copies for every instance; anything else goes through them, and gets their
        # messages. Both give the same result (tests/unit/test_sheet_input.py).
        checked = well_formed_sheet(data)
        return checked if checked is not None else super().run_validation(data)


MAX_MARKS = 100
_ID_RANGE = range(1, 2**63)
_MARK = re.compile(r"[0-9]{0,6}(?:[.,][0-9]{1,6})?")  # a mark as tablets send it, or ""


def well_formed_sheet(data) -> dict | None:
    """ScoreSheetInputSerializer's validated data for a sheet in the shape tablets send (ids
    as numbers, marks as plain decimal text, submit a boolean), or None for anything else."""
    if not isinstance(data, dict):
        return None
    checked = {}
    for name, required in (("round", True), ("entry", True), ("judge", False)):
        if not required and name not in data:
            continue
        value = data.get(name)
        if type(value) is not int or value not in _ID_RANGE:
            return None
        checked[name] = value
    marks = data.get("marks")
    if type(marks) is not dict or len(marks) > MAX_MARKS:
        return None
    for mark in marks.values():
        if type(mark) is not str or not _MARK.fullmatch(mark):
            return None
    checked["marks"] = dict(marks)
    submit = data.get("submit", True)
    if type(submit) is not bool:
        return None
    checked["submit"] = submit
    return checked


class ScoreSheetSerializer(serializers.Serializer):
    # Declared, not a ModelSerializer: it answers every write of a tablet, and building a
    # ModelSerializer's fields from the model on each instance cost more than the rest of it.
    id = serializers.IntegerField(read_only=True)
    round = serializers.IntegerField(source="round_id", read_only=True)
    entry = serializers.IntegerField(source="entry_id", read_only=True)
    status = serializers.ChoiceField(choices=ScoreSheet.Status.choices, read_only=True)
    version = serializers.IntegerField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    marks = serializers.SerializerMethodField()

    def get_marks(self, sheet) -> dict[str, str]:
        return {mark.criterion.code: str(mark.value) for mark in sheet.marks.all()}

    def to_representation(self, sheet) -> dict:
        # What the fields above give (tests/integration/test_scoring_api.py compares them),
        # without building them: DRF deep-copies a serializer's declared fields on every
        # instance, a tenth of a tablet's write. The fields stay declared for the schema.
        return {
            "id": sheet.pk,
            "round": sheet.round_id,
            "entry": sheet.entry_id,
            "status": str(sheet.status),
            "version": sheet.version,
            "submitted_at": _DATETIME.to_representation(sheet.submitted_at)
            if sheet.submitted_at is not None
            else None,
            "marks": self.get_marks(sheet),
        }


_DATETIME = serializers.DateTimeField()


class SheetStateSerializer(serializers.ModelSerializer):
    """A sheet's state without its marks, for anyone but the judge who wrote it."""

    class Meta:
        model = ScoreSheet
        fields = ["id", "round", "entry", "judge", "status", "participation", "version"]


class StandingSerializer(serializers.ModelSerializer):
    entry_id = serializers.IntegerField(source="entry.id")
    initiative_title = serializers.CharField(source="entry.initiative.title")
    unit = serializers.CharField(source="entry.unit.name")
    rank = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    prize = serializers.SerializerMethodField()

    class Meta:
        model = Standing
        fields = [
            "rank",
            "entry_id",
            "initiative_title",
            "unit",
            "score",
            "judges_counted",
            "prize",
        ]

    def get_rank(self, standing) -> float:
        return place_number(standing.rank)

    def get_score(self, standing) -> str:
        return str(standing.score.quantize(self.context["quantum"][standing.ranking_id]))

    def get_prize(self, standing) -> str | None:
        prize = self.context.get("prizes", {}).get(standing.entry_id)
        return prize.name if prize else None


class RankingSerializer(serializers.ModelSerializer):
    round = serializers.CharField(source="round.name")
    round_id = serializers.IntegerField()
    standings = serializers.SerializerMethodField()

    class Meta:
        model = Ranking
        fields = [
            "id",
            "round_id",
            "round",
            "version",
            "method",
            "computed_at",
            "sheet_count",
            "is_published",
            "published_at",
            "standings",
        ]

    standing_serializer_class = StandingSerializer

    def get_standings(self, ranking) -> list[dict]:
        context = {
            "quantum": {ranking.pk: ranking_quantum(ranking)},
            "prizes": selectors.prizes_by_entry(ranking),
        }
        return self.standing_serializer_class(
            ranking.standings.all(), many=True, context=context
        ).data


def place_number(rank: Decimal) -> int | float:
    """A place as a JSON number: whole places as integers, a shared Skating place as 3.5."""
    return int(rank) if rank == rank.to_integral_value() else float(rank)


def ranking_quantum(ranking) -> Decimal:
    return Decimal(1).scaleb(-ranking.decimals)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DeclarationSerializer(serializers.Serializer):
    round = id_field()
    entry = id_field()
    judge = id_field(required=False)
    participation = serializers.ChoiceField(choices=["abstained", "conflict"])
    reason = serializers.CharField(max_length=2000)


class PenaltyInputSerializer(serializers.Serializer):
    entry = id_field()
    reason = serializers.CharField(max_length=2000)
    points = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    part = id_field(required=False)
    minutes_over = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal(0), required=False
    )


class PenaltySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    entry = serializers.IntegerField(source="entry_id")
    part = serializers.IntegerField(source="part_id", allow_null=True)
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    reason = serializers.CharField()


class TieBreaksSerializer(serializers.Serializer):
    tie_breaks = serializers.ListField(child=serializers.DictField(), max_length=10)


class MissingSheetSerializer(serializers.Serializer):
    judge = id_field()
    entry = id_field()


class PublishSerializer(serializers.Serializer):
    ceremony = serializers.BooleanField(
        default=False,
        help_text="Keep the prizes for the ceremony: the public sees nothing of the round "
        "until the organiser reveals them one by one.",
    )
    confirm_missing = MissingSheetSerializer(
        many=True,
        required=False,
        max_length=100_000,
        help_text="The sheets the organiser confirms are missing, exactly as the refusal "
        "listed them (missing_sheets); omitted, publication is refused while any is missing.",
    )


class AdvancementSerializer(serializers.Serializer):
    target = serializers.IntegerField(source="target.pk")
    created = serializers.SerializerMethodField()
    existing = serializers.SerializerMethodField()
    skipped = serializers.SerializerMethodField()
    representatives_added = serializers.IntegerField()

    def get_created(self, result) -> list[int]:
        return [entry.pk for entry in result.created]

    def get_existing(self, result) -> list[int]:
        return [entry.pk for entry in result.existing]

    def get_skipped(self, result) -> list[dict]:
        return [{"entry": entry.pk, "reason": why} for entry, why in result.skipped]


class ReviewStandingSerializer(StandingSerializer):
    """For organisers reviewing a snapshot: every explanation, per-judge scores included."""

    class Meta(StandingSerializer.Meta):
        fields = [*StandingSerializer.Meta.fields, "details"]


class ReviewRankingSerializer(RankingSerializer):
    standing_serializer_class = ReviewStandingSerializer

    class Meta(RankingSerializer.Meta):
        fields = [*RankingSerializer.Meta.fields, "parameters", "analytics", "changes"]


class PaperSheetInputSerializer(serializers.Serializer):
    entry = id_field()
    judge = serializers.CharField(max_length=150, help_text="The judge's username.")
    marks = serializers.DictField(child=serializers.CharField(max_length=20), allow_empty=False)


class PaperSheetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    entry = serializers.IntegerField(source="entry_id")
    judge = serializers.CharField(source="judge.username")
    status = serializers.CharField()
    marks = serializers.DictField()
    second_marks = serializers.DictField(allow_null=True)
    entered_by = serializers.CharField(source="entered_by.username")
    confirmed_by = serializers.CharField(source="confirmed_by.username", allow_null=True)


class TimerInputSerializer(serializers.Serializer):
    entry = id_field()
    part = id_field()
    action = serializers.ChoiceField(choices=["start", "pause", "stop"])


class NudgeInputSerializer(serializers.Serializer):
    judge = id_field()
    entry = id_field()


class RevealStepSerializer(serializers.Serializer):
    step = serializers.IntegerField(
        min_value=0,
        max_value=10_000,
        help_text="How many prizes the remote showed as revealed; a stale step reveals "
        "nothing more.",
    )


class RevealSerializer(serializers.Serializer):
    ranking = serializers.IntegerField(source="ranking_id")
    revealed = serializers.IntegerField()
    total = serializers.IntegerField()
    finished = serializers.BooleanField()


class SignOffSerializer(serializers.Serializer):
    ranking = serializers.IntegerField(source="ranking_id")
    judge = serializers.IntegerField(source="actor_id")
    at = serializers.DateTimeField()


# The public results document (scoring.public), described for the API schema.


class PublicContestSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    organiser = serializers.CharField()
    colour = serializers.CharField()
    status = serializers.CharField()


class PublicJudgeScoreSerializer(serializers.Serializer):
    judge = serializers.CharField()
    score = serializers.CharField()


class PublicStandingSerializer(serializers.Serializer):
    rank = serializers.FloatField()
    entry_id = serializers.IntegerField()
    initiative_title = serializers.CharField()
    unit = serializers.CharField()
    presenters = serializers.ListField(child=serializers.CharField())
    score = serializers.CharField()
    judges_counted = serializers.IntegerField()
    prize = serializers.CharField(allow_null=True)
    prize_tier = serializers.CharField(allow_null=True)
    criteria = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        required=False,
        help_text="Per-criterion averages, when the contest shows them.",
    )
    judges = PublicJudgeScoreSerializer(
        many=True, required=False, help_text="Each judge's score, when the contest releases them."
    )


class PublicAwardSerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    prize = serializers.CharField()
    prize_tier = serializers.CharField()
    initiative_title = serializers.CharField()
    unit = serializers.CharField()
    presenters = serializers.ListField(child=serializers.CharField())


class PublicRevealSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    total = serializers.IntegerField()
    finished = serializers.BooleanField()
    revealed = PublicAwardSerializer(many=True, help_text="In the order they were revealed.")


class PublicCriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PublicRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The published ranking.")
    round_id = serializers.IntegerField()
    round = serializers.CharField()
    version = serializers.IntegerField()
    method = serializers.CharField()
    decimals = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    status = serializers.ChoiceField(
        choices=["published", "ceremony"],
        help_text="ceremony: prizes are being revealed; standings stay empty until the end.",
    )
    standings = PublicStandingSerializer(many=True)
    criteria = PublicCriterionSerializer(many=True, required=False)
    reveal = PublicRevealSerializer(required=False)


class PublicResultsSerializer(serializers.Serializer):
    contest = PublicContestSerializer()
    rounds = PublicRoundSerializer(many=True)
