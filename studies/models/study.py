"""A loaded study spec and its conditions."""

from django.db import models


class Study(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    spec = models.JSONField(help_text="The validated spec (studies.spec.StudySpec.to_dict()).")
    source_yaml = models.TextField(blank=True)
    spec_sha256 = models.CharField(max_length=64)
    seed = models.IntegerField(default=0)
    prolific_study_id = models.CharField(max_length=64, blank=True)
    accepting = models.BooleanField(
        default=True, help_text="Researcher switch: untick to refuse new participants."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.slug


class Condition(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="conditions")
    name = models.SlugField(max_length=64)
    explainer = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)
    variants = models.JSONField(default=list, blank=True, help_text="Rendered variant numbers.")
    target = models.PositiveIntegerField(help_text="Completed responses wanted.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["study", "position"]
        constraints = [
            models.UniqueConstraint(fields=["study", "name"], name="condition_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.study.slug}/{self.name}"
