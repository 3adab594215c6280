from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from .models import Amendment, Annotation, Preregistration, ScreeningDecision
from .prereg_agreement import disagreement


class AmendmentInline(admin.StackedInline):
    model = Amendment
    extra = 0
    fields = ("created_at", "reason", "text", "sha256", "previous_sha256", "author")
    readonly_fields = ("created_at", "sha256", "previous_sha256", "author")

    def has_change_permission(self, request, obj=None):
        return False  # amendments are visible and immutable; add a new one instead

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Preregistration)
class PreregistrationAdmin(admin.ModelAdmin):
    list_display = ("study", "locked_at", "sha256")
    readonly_fields = ("sha256", "locked_at", "created_at")
    inlines = [AmendmentInline]
    actions = ["lock_selected"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["study", "text"] if obj is not None and obj.is_locked else fields

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if instance.pk is None:
                instance.author = request.user
                instance.previous_sha256 = form.instance.sha256
                instance.save()
        formset.save_m2m()

    @admin.action(description="Lock the selected preregistrations (content hash + timestamp)")
    def lock_selected(self, request, queryset):
        locked = 0
        for prereg in queryset:
            try:
                prereg.document()
            except Exception as exc:  # noqa: BLE001 - show the validation message
                self.message_user(request, f"{prereg.study}: not locked, invalid: {exc}",
                                  messages.ERROR)
                continue
            found = disagreement(prereg.study, prereg.current_text())
            if found:
                self.message_user(request, f"{prereg.study}: not locked, it disagrees with the "
                                           f"study's spec: {found}", messages.ERROR)
                continue
            locked += int(prereg.lock())
        self.message_user(request, f"{locked} preregistration(s) locked.")


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ("participant", "annotator", "label", "updated_at")
    list_filter = ("label", "participant__study")


@admin.register(ScreeningDecision)
class ScreeningDecisionAdmin(admin.ModelAdmin):
    list_display = ("participant", "label", "decided_by", "decided_at")

    def save_model(self, request, obj, form, change):
        if not obj.reason.strip():
            raise ValidationError("a settled decision needs a reason")
        obj.decided_by = request.user
        super().save_model(request, obj, form, change)
