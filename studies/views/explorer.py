"""The explorer's endpoint for the participant's own session (studies.explorer.endpoint)."""

from __future__ import annotations

from django.views.decorators.http import require_POST

from ..explorer import endpoint
from ..identity import session_of
from ..steps.explorer import ExplorerSpec
from .participant import _no_session


def is_explorer(step) -> bool:
    return isinstance(step, ExplorerSpec)


@require_POST
def explore(request, slug):
    study, participant = session_of(request, slug)
    if participant is None:
        return _no_session(request, study)
    return endpoint.handle(request, participant, is_explorer)
