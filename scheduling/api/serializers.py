from django.contrib.auth import get_user_model
from rest_framework import serializers

from config.api import id_field
from scheduling.models import Draw, Panel, Round, Session, Slot


class SeatInputSerializer(serializers.Serializer):
    username = serializers.SlugRelatedField(
        source="judge", slug_field="username", queryset=get_user_model().objects.all()
    )
    head = serializers.BooleanField(default=False)


class PanelInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    judges = SeatInputSerializer(many=True, allow_empty=False, max_length=50)


class PanelSerializer(serializers.ModelSerializer):
    judges = serializers.SerializerMethodField()

    class Meta:
        model = Panel
        fields = ["id", "name", "judges"]

    def get_judges(self, panel) -> list[str]:
        return [seat.judge.username for seat in panel.seats.all()]


class SessionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    room = serializers.CharField(max_length=200, required=False, allow_blank=True)
    panel = id_field()
    entries = serializers.ListField(
        child=id_field(), required=False, allow_empty=False, max_length=500
    )


class SlotSerializer(serializers.ModelSerializer):
    entry_id = serializers.IntegerField(source="entry.id")
    initiative_title = serializers.CharField(source="entry.initiative.title")
    unit = serializers.CharField(source="entry.unit.name")
    presenters = serializers.SerializerMethodField()

    class Meta:
        model = Slot
        fields = [
            "position",
            "entry_id",
            "initiative_title",
            "unit",
            "presenters",
            "planned_start",
            "planned_end",
        ]

    def get_presenters(self, slot) -> list[str]:
        return [person.full_name for person in slot.entry.presenters.all()]


class SessionSerializer(serializers.ModelSerializer):
    round = serializers.IntegerField(source="round_id")
    room = serializers.CharField(source="room.name", default="")
    panel = serializers.IntegerField(source="panel_id")

    class Meta:
        model = Session
        fields = ["id", "round", "name", "room", "panel", "starts_at", "current_position"]


class DrawInputSerializer(serializers.Serializer):
    witnesses = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class DrawSerializer(serializers.ModelSerializer):
    class Meta:
        model = Draw
        fields = [
            "id",
            "session",
            "algorithm",
            "seed",
            "input_entries",
            "result_entries",
            "witnesses",
            "reason",
            "drawn_at",
            "is_current",
        ]


class RoundStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Round.Status.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AdvanceSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1, max_value=10000)


class AssignedPanelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    head_judge = serializers.CharField()
    judges = serializers.ListField(child=serializers.CharField())


class JudgeAssignmentSerializer(serializers.Serializer):
    """The seats judge assignment wrote: each panel with its head judge and judges (usernames),
    and the number of entries each judge of the pool will score."""

    status = serializers.CharField()
    panels = AssignedPanelSerializer(many=True)
    load = serializers.DictField(child=serializers.IntegerField())
