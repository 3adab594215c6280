from django.contrib import admin

from .models import (
    BlockEntry,
    BonusLine,
    BonusPayment,
    Condition,
    Event,
    Participant,
    Response,
    Review,
    Study,
)


class ConditionInline(admin.TabularInline):
    model = Condition
    extra = 0


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "accepting", "updated_at")
    list_editable = ("accepting",)
    readonly_fields = ("spec_sha256", "created_at", "updated_at")
    inlines = [ConditionInline]


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ("study", "name", "explainer", "target", "position")
    list_filter = ("study",)


@admin.action(description="Mark as approved (bonus file includes them)")
def approve(modeladmin, request, queryset):
    queryset.update(review=Review.APPROVED)


@admin.action(description="Mark as rejected (frees the slot)")
def reject(modeladmin, request, queryset):
    queryset.update(review=Review.REJECTED)


@admin.action(description="Allow one more attempt")
def allow_retake(modeladmin, request, queryset):
    queryset.update(retake_allowed=True)


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("prolific_pid", "study", "condition", "variant", "status", "step_index",
                    "review", "base_pay_gbp", "bonus_gbp", "started_at")
    list_filter = ("study", "status", "review", "condition")
    search_fields = ("prolific_pid", "public_id")
    readonly_fields = ("public_id", "token", "started_at", "last_seen_at")
    actions = [approve, reject, allow_retake]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("participant", "step", "item_type", "item", "response", "correct",
                    "answered_at")
    list_filter = ("item_type", "participant__study")
    search_fields = ("participant__prolific_pid", "item")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "study", "participant", "kind", "step")
    list_filter = ("kind", "study")


@admin.register(BlockEntry)
class BlockEntryAdmin(admin.ModelAdmin):
    list_display = ("list_name", "prolific_pid", "source_study", "created_at")
    list_filter = ("list_name",)
    search_fields = ("prolific_pid",)


@admin.register(BonusPayment)
class BonusPaymentAdmin(admin.ModelAdmin):
    """The Prolific payment ledger is written by studies.prolific only: read it here."""

    list_display = ("study", "kind", "state", "total_gbp", "created_at")
    list_filter = ("study", "kind", "state")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(BonusLine)
class BonusLineAdmin(admin.ModelAdmin):
    list_display = ("participant", "prolific_pid", "kind", "amount_gbp", "live")
    list_filter = ("kind", "live")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
