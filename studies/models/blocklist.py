"""Prolific IDs refused across studies (people who took part before)."""

from django.db import models


class BlockEntry(models.Model):
    list_name = models.SlugField(max_length=64)
    prolific_pid = models.CharField(max_length=24)
    source_study = models.SlugField(max_length=80, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "block list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["list_name", "prolific_pid"], name="blockentry_unique_pid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.list_name}:{self.prolific_pid}"
