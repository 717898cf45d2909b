from rest_framework import serializers

from contest.models import Contest, Entry, Field, Initiative, Person


class ContestSerializer(serializers.ModelSerializer):
    organising_unit = serializers.CharField(source="organising_unit.name")
    advances_to = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Contest
        fields = ["slug", "name", "level", "year", "status", "organising_unit", "advances_to"]


class PresenterInputSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    family_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    middle_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    given_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    position = serializers.CharField(max_length=255, required=False, allow_blank=True)


class EntrySignupSerializer(serializers.Serializer):
    initiative_title = serializers.CharField(max_length=500)
    field = serializers.ChoiceField(choices=Field.choices)
    kind = serializers.ChoiceField(choices=Initiative.Kind.choices)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    initiative_year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)
    presenters = PresenterInputSerializer(many=True, allow_empty=False, max_length=10)


class ContestStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Contest.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "full_name", "family_name", "middle_name", "given_name"]


class EntrySerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name")
    initiative_title = serializers.CharField(source="initiative.title")
    field = serializers.CharField(source="initiative.field")
    kind = serializers.CharField(source="initiative.kind")
    presenters = PersonSerializer(many=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "unit",
            "initiative_title",
            "field",
            "kind",
            "presenters",
            "status",
            "decision_reason",
            "created_at",
        ]


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
