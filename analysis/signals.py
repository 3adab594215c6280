"""Lock a study's preregistration when its first (non-pilot) participant arrives (studies never
imports us)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Preregistration


# the sender by its label (Django resolves it when the app is loaded): analysis imports no models
# of studies
@receiver(post_save, sender="studies.Participant", dispatch_uid="analysis.lock_on_first_participant")
def lock_on_first_participant(sender, instance, created, raw=False, **kwargs):
    if not created or raw or instance.pilot:  # a pilot locks nothing
        return
    prereg = Preregistration.objects.filter(study_id=instance.study_id,
                                            locked_at__isnull=True).first()
    if prereg is not None:
        prereg.lock()
