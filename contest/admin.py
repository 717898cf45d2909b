from django.contrib import admin

from contest.models import (
    Contest,
    ContestTransition,
    Entry,
    EntryPresenter,
    Initiative,
    Membership,
    Person,
    Unit,
)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["name", "short_name", "code"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "unit", "email", "user"]
    search_fields = ["full_name", "email"]
    readonly_fields = ["sort_key"]


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "field", "kind", "year"]
    list_filter = ["year", "field", "kind"]
    search_fields = ["title"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "person"]


class TransitionInline(admin.TabularInline):
    model = ContestTransition
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "at", "note"]
    can_delete = False


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "year", "status", "advances_to"]
    list_filter = ["level", "year", "status"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, TransitionInline]
    # The stage moves only through change_contest_status, which checks and records it.
    readonly_fields = ["status"]


class PresenterInline(admin.TabularInline):
    model = EntryPresenter
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["initiative", "unit", "contest", "status"]
    list_filter = ["contest", "status"]
    raw_id_fields = ["initiative", "advanced_from"]
    # Decisions and withdrawals go through the services, which record who, when and why.
    readonly_fields = ["status"]
    inlines = [PresenterInline]
