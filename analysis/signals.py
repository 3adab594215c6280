"""Lock a study's preregistration when its first (non-pilot) participant arrives, and keep a
study whose preregistration disagrees with its spec from going live (studies never imports us)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from studies.readiness import go_live_checks

from .models import Preregistration
from .prereg_agreement import disagreement


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


@receiver(go_live_checks, dispatch_uid="analysis.preregistration_agrees")
def preregistration_agrees(sender, study, **kwargs) -> list[str]:
    """A study with a stored preregistration goes live only while the two agree (checked when
    it is stored and locked too; this catches a spec re-loaded with other conditions, items or
    limits after that)."""
    record = Preregistration.objects.filter(study_id=study.pk).first()
    if record is None:
        return []
    found = disagreement(study, record.current_text())
    return [f"the preregistration disagrees with the loaded spec (amend it, or load the spec it "
            f"was written for): {found}"] if found else []
