"""What other apps may know of a study's stored records (``analysis`` imports this and the export,
never ``studies.models``): a study by its slug, its loaded spec text, the export's participant id
of a session (Contract 4 ``participant``) and the session behind such an id.

The records handed out are for naming (a foreign key of analysis' own tables, a page's title);
what a participant answered is read through the export (``tidy_responses``, ``free_text``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..models import Participant, Study


def find_study(slug: str) -> Study | None:
    return Study.objects.filter(slug=slug).first()


def loaded_spec_text(study: Study) -> str:
    """The spec YAML the study was loaded from ('' if it was created without one)."""
    return study.source_yaml


def participant_key(participant: Participant) -> str:
    """The id the tidy export gives a session (Contract 4 'participant'; not the Prolific ID)."""
    return str(participant.public_id)


def find_participant(study: Study, key: str) -> Participant | None:
    """The session whose export id is ``key`` in ``study`` (None for an unknown or malformed id)."""
    try:
        return Participant.objects.filter(study=study, public_id=key).first()
    except (ValidationError, ValueError):
        return None
