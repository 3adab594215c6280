"""The explorer's action log: one row per action a participant took on an explorer step (what
was selected, previewed, mixed or interpolated, with the values, the scene that resulted and the
score the model gave it), timestamped by the server. The export turns them into tidy rows."""

from django.db import models

from .participant import Participant
from .study import Study


class ExplorerActionKind(models.TextChoices):
    SELECT = "select", "selected a scene"
    PREVIEW = "preview", "previewed a mix or interpolation"
    MIX = "mix", "took a factor group from another scene"
    INTERPOLATE = "interpolate", "moved a factor group towards another scene"
    RESET = "reset", "reset to the selected scene"
    UNDO = "undo", "undid the last change"


class ExplorerAction(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="explorer_actions")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="explorer_actions")
    step = models.CharField(max_length=64)
    step_index = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=ExplorerActionKind)
    selected = models.IntegerField(null=True, blank=True,
                                   help_text="Index of the selected scene (spec order).")
    group = models.CharField(max_length=16, blank=True, help_text="Factor group mixed.")
    source = models.IntegerField(null=True, blank=True,
                                 help_text="Index of the scene the group came from.")
    t = models.FloatField(null=True, blank=True, help_text="Interpolation (1 = a full mix).")
    scene = models.JSONField(help_text="The resulting scene's ten factor values.")
    score = models.FloatField(help_text="tanh(logit) in [-1, 1]; +1 = Stretchy.")
    label = models.CharField(max_length=16)
    confidence = models.FloatField()
    cached = models.BooleanField(default=False)
    compute_ms = models.FloatField(default=0.0)
    client_ms = models.FloatField(null=True, blank=True, help_text="Client clock (ms since epoch).")
    created_at = models.DateTimeField(help_text="Server time (studies.clock) of the answer.")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["participant", "created_at"],
                                name="explorer_action_recent")]

    def __str__(self) -> str:
        return f"{self.participant_id}:{self.action}@{self.created_at:%H:%M:%S}"
