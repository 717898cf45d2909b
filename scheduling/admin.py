from django.contrib import admin

from scheduling.models import Draw, JudgeConflict, Panel, PanelSeat, Room, Round, Session, Slot


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["name", "contest", "kind", "sequence", "status"]
    list_filter = ["contest", "status"]


class SeatInline(admin.TabularInline):
    model = PanelSeat
    extra = 0


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ["name", "contest"]
    inlines = [SeatInline]


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0
    raw_id_fields = ["entry"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["name", "round", "room", "panel", "starts_at"]
    inlines = [SlotInline]


@admin.register(Draw)
class DrawAdmin(admin.ModelAdmin):
    list_display = ["session", "drawn_at", "drawn_by", "is_current"]
    readonly_fields = [f.name for f in Draw._meta.fields]


admin.site.register(Room)


@admin.register(JudgeConflict)
class JudgeConflictAdmin(admin.ModelAdmin):
    list_display = ["judge", "contest", "entry", "unit", "declared_at"]
    list_filter = ["contest"]
    raw_id_fields = ["entry"]
