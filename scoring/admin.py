from django.contrib import admin

from scoring.models import (
    Award,
    Criterion,
    PaperSheet,
    Penalty,
    PenaltyRule,
    Prize,
    Ranking,
    Rubric,
    RubricPart,
    ScoreSheetEvent,
)


class PartInline(admin.TabularInline):
    model = RubricPart
    extra = 0


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["round", "method", "decimals"]
    inlines = [PartInline, CriterionInline]


@admin.register(Prize)
class PrizeAdmin(admin.ModelAdmin):
    list_display = ["name", "contest", "tier", "quota", "order"]


@admin.register(Ranking)
class RankingAdmin(admin.ModelAdmin):
    list_display = ["round", "version", "computed_at", "sheet_count", "is_published"]
    readonly_fields = [f.name for f in Ranking._meta.fields]


@admin.register(ScoreSheetEvent)
class ScoreSheetEventAdmin(admin.ModelAdmin):
    """The audit trail is append-only: readable here, never editable."""

    list_display = ["sheet", "action", "actor", "at"]
    readonly_fields = [f.name for f in ScoreSheetEvent._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Award)


@admin.register(PenaltyRule)
class PenaltyRuleAdmin(admin.ModelAdmin):
    list_display = ["part", "minutes_over", "points"]


@admin.register(Penalty)
class PenaltyAdmin(admin.ModelAdmin):
    list_display = ["entry", "round", "points", "reason", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        # The beat reconciler notices the new penalty and recomputes the round.
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PaperSheet)
class PaperSheetAdmin(admin.ModelAdmin):
    list_display = ["round", "entry", "judge", "status", "entered_by", "confirmed_by"]
    list_filter = ["status"]
