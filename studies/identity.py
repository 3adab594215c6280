"""Which participant a request belongs to: a signed cookie holding the session's secret token
(never just the Prolific ID in the URL), and validation of Prolific's entry parameters."""

from __future__ import annotations

import re

from django.conf import settings
from django.core import signing
from django.shortcuts import get_object_or_404

from .assignment import ProlificIds
from .lookups import BY_TOKEN
from .models import Participant, Study

PROLIFIC_ID = re.compile(r"^[0-9a-fA-F]{24}$")
SALT = "studies.participant"
MAX_AGE_S = 7 * 24 * 3600


class BadEntry(ValueError):
    """The entry link is malformed; the message says which parameter and why."""


def cookie_name(study: Study) -> str:
    return _cookie(study.slug)


def _cookie(slug: str) -> str:
    return f"xai_{slug}"


def parse_entry(study: Study, query) -> ProlificIds:
    values = {}
    for name, required in (("PROLIFIC_PID", True), ("STUDY_ID", False), ("SESSION_ID", False)):
        value = query.get(name, "").strip()
        if not value and not required:
            continue
        if not PROLIFIC_ID.match(value):
            shown = "missing" if not value else f"{value[:40]!r} is not a Prolific ID"
            raise BadEntry(f"{name}: {shown} (24 hexadecimal characters expected).")
        values[name] = value.lower()
    expected = study.prolific_study_id.lower()
    if expected and values.get("STUDY_ID", expected) != expected:
        raise BadEntry("STUDY_ID: this link belongs to a different Prolific study.")
    return ProlificIds(values["PROLIFIC_PID"], values.get("STUDY_ID", ""),
                       values.get("SESSION_ID", ""))


def token_from(request, study: Study) -> str:
    return _token(request, study.slug)


def _token(request, slug: str) -> str:
    try:
        return request.get_signed_cookie(_cookie(slug), salt=SALT, max_age=MAX_AGE_S)
    except (KeyError, signing.BadSignature):
        return ""


def session_of(request, slug: str) -> tuple[Study, Participant | None]:
    """The study ``slug`` (404 if there is none) and the participant whose signed cookie the
    request carries (None without one), with study and condition loaded: one query, compiled
    once per thread (``studies.lookups``), when the cookie is valid."""
    token = _token(request, slug)
    if token:
        participant = BY_TOKEN.first(slug=slug, token=token)
        if participant is not None:
            return participant.study, participant
    return get_object_or_404(Study, slug=slug), None


def remember(response, study: Study, participant: Participant) -> None:
    response.set_signed_cookie(cookie_name(study), participant.token, salt=SALT,
                               max_age=MAX_AGE_S, httponly=True, samesite="Lax",
                               secure=settings.SESSION_COOKIE_SECURE)
