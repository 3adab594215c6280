"""Database side of the analysis: the locked preregistration with visible amendments, and the
manual screening of free-text answers (annotations and settled decisions)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from . import prereg as prereg_module


class Preregistration(models.Model):
    study = models.OneToOneField("studies.Study", on_delete=models.CASCADE,
                                 related_name="preregistration")
    text = models.TextField(help_text="The preregistration YAML (analysis/examples/ for the format).")
    sha256 = models.CharField(max_length=64, editable=False)
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        state = f"locked {self.locked_at:%Y-%m-%d %H:%M}" if self.locked_at else "draft"
        return f"preregistration of {self.study} ({state})"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def current_text(self) -> str:
        latest = self.amendments.order_by("-created_at", "-id").first()
        return latest.text if latest else self.text

    def document(self) -> prereg_module.Preregistration:
        return prereg_module.parse(self.current_text())

    def clean(self):
        try:
            prereg_module.parse(self.text)
        except prereg_module.PreregError as exc:
            raise ValidationError({"text": str(exc)}) from exc
        self._check_against_spec()
        if self.pk and self.is_locked:
            stored = type(self).objects.filter(pk=self.pk).values_list("text", flat=True).first()
            if stored is not None and stored != self.text:
                raise ValidationError({"text": "the preregistration is locked; record an "
                                               "amendment with a reason instead"})

    def _check_against_spec(self) -> None:
        """A study loaded from a spec takes only a preregistration that agrees with it (a study
        made without one, as in some tests, is checked when it is locked or goes live)."""
        from studies.exports import loaded_spec_text

        from .prereg_agreement import disagreement

        if self.study_id and loaded_spec_text(self.study):
            found = disagreement(self.study, self.text)
            if found:
                raise ValidationError({"text": f"disagrees with the study's spec: {found}"})

    def save(self, *args, **kwargs):
        if self.pk and self.is_locked:
            stored = type(self).objects.filter(pk=self.pk).values_list("text", flat=True).first()
            if stored is not None and stored != self.text:
                raise ValidationError("the preregistration is locked since "
                                      f"{self.locked_at:%Y-%m-%d %H:%M} UTC; edits must be "
                                      "recorded as an Amendment with a reason")
        self.sha256 = prereg_module.content_hash(self.text)
        super().save(*args, **kwargs)

    def lock(self, *, when=None) -> bool:
        """Freeze the text (content hash + timestamp). Returns False if it was locked already."""
        with transaction.atomic():
            updated = type(self).objects.filter(pk=self.pk, locked_at__isnull=True).update(
                locked_at=when or timezone.now(), sha256=prereg_module.content_hash(self.text))
        self.refresh_from_db()
        return bool(updated)

    def amend(self, text: str, *, reason: str, author=None) -> Amendment:
        if not reason.strip():
            raise ValidationError("an amendment needs a reason")
        try:
            prereg_module.parse(text)
        except prereg_module.PreregError as exc:
            raise ValidationError(f"amended preregistration is invalid: {exc}") from exc
        return Amendment.objects.create(
            preregistration=self, reason=reason, text=text, author=author,
            previous_sha256=prereg_module.content_hash(self.current_text()),
            sha256=prereg_module.content_hash(text))

    def amendment_dicts(self) -> list[dict]:
        return [{"created": a.created_at.isoformat(timespec="seconds"), "reason": a.reason,
                 "sha256": a.sha256, "previous_sha256": a.previous_sha256}
                for a in self.amendments.order_by("created_at", "id")]


class Amendment(models.Model):
    """A visible, timestamped change of a locked preregistration (never edited afterwards)."""

    preregistration = models.ForeignKey(Preregistration, on_delete=models.CASCADE,
                                        related_name="amendments")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    reason = models.TextField()
    text = models.TextField(help_text="The whole amended YAML.")
    sha256 = models.CharField(max_length=64, editable=False)
    previous_sha256 = models.CharField(max_length=64, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"amendment of {self.preregistration.study} at {self.created_at:%Y-%m-%d %H:%M}"

    def clean(self):
        if not self.reason.strip():
            raise ValidationError({"reason": "an amendment needs a reason"})
        try:
            prereg_module.parse(self.text)
        except prereg_module.PreregError as exc:
            raise ValidationError({"text": f"amended preregistration is invalid: {exc}"}) from exc

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValidationError("amendments cannot be changed; add a new one")
        self.sha256 = prereg_module.content_hash(self.text)
        super().save(*args, **kwargs)


class Label(models.TextChoices):
    INCLUDE = "include", "include"
    UNSURE = "unsure", "unsure"
    EXCLUDE = "exclude", "exclude"


class Annotation(models.Model):
    """One annotator's label for one participant's free-text answers."""

    participant = models.ForeignKey("studies.Participant", on_delete=models.CASCADE,
                                    related_name="annotations")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="annotations")
    label = models.CharField(max_length=8, choices=Label)
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "annotator"],
                                               name="annotation_one_per_annotator")]

    def __str__(self) -> str:
        return f"{self.participant} by {self.annotator}: {self.label}"


class ScreeningDecision(models.Model):
    """The settled label of a participant after the annotators discussed a disagreement."""

    participant = models.OneToOneField("studies.Participant", on_delete=models.CASCADE,
                                       related_name="screening_decision")
    label = models.CharField(max_length=8, choices=Label)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.participant}: {self.label}"
