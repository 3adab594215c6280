"""The ``POST /studies/`` payload for a study draft, built from the loaded study spec.

Eligibility goes through Prolific's ``filters`` (the spec's ``prolific.filters`` plus the
cross-study block list as a "Custom Blocklist"); the study is a custom-screening study, so that
screened-out submissions can be resolved through Prolific's screen-out endpoint (see
:mod:`studies.prolific.screenouts`). ``maximum_allowed_time`` (Prolific times out a submission
that takes longer) is the spec's ``time_limit_minutes`` plus :data:`SUBMIT_MARGIN_MINUTES`, so a
participant whom the flow times out at the limit can still enter the timed-out code on Prolific,
and one who never comes back is timed out by Prolific soon after (:mod:`studies.prolific.returns`).
"""

from __future__ import annotations

import math
from decimal import Decimal

from studies.models import Study
from studies.runtime import spec_of

from .filters import FilterError, block_list_filter, resolve

PARAMS = "PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}"
# Our code kinds -> Prolific completion-code types. SCREENED_OUT is the type of a custom
# screening study's screen-out code; all codes are reviewed (approved / screened out) by us.
CODE_TYPES = {"completion": "COMPLETED", "no_consent": "NO_CONSENT",
              "device": "INCOMPATIBLE_DEVICE", "screened_out": "SCREENED_OUT",
              "timed_out": "OTHER"}
# Minutes Prolific allows beyond the spec's time limit: time to go back to Prolific and submit.
SUBMIT_MARGIN_MINUTES = 5


class DraftError(ValueError):
    """The study spec lacks something Prolific needs."""


def study_url(study: Study, server_url: str) -> str:
    return f"{server_url.rstrip('/')}/s/{study.slug}/?{PARAMS}"


def maximum_allowed_time(time_limit_minutes: float) -> int:
    """Prolific's ``maximum_allowed_time`` (whole minutes) for the spec's time limit."""
    return math.ceil(time_limit_minutes) + SUBMIT_MARGIN_MINUTES


def _codes(codes: dict) -> list[dict]:
    out, seen = [], set()
    for kind in CODE_TYPES:  # completion first
        code = codes.get(kind)
        if code and code not in seen:  # codes must be unique within a Prolific study
            seen.add(code)
            out.append({"code": code, "code_type": CODE_TYPES[kind],
                        "actions": [{"action": "MANUALLY_REVIEW"}]})
    return out


def draft_payload(study: Study, *, server_url: str, filter_catalogue: list[dict],
                  minutes: int | None = None, places: int | None = None,
                  reward_gbp: Decimal | None = None) -> dict:
    """Reward (in pence), places (sum of condition targets), codes and filters from the spec."""
    spec = spec_of(study)
    if not server_url.startswith("https://") and not server_url.startswith("http://127."):
        raise DraftError(f"server URL must be https:// (participants reach it), got {server_url!r}")
    reward = reward_gbp if reward_gbp is not None else Decimal(spec.payment.base)
    if reward <= 0:
        raise DraftError("the reward must be positive (spec payment.base or --reward-gbp)")
    places = places or sum(c.target for c in spec.conditions)
    if spec.prolific.max_places and places > spec.prolific.max_places:
        raise DraftError(f"{places} places exceed the spec's prolific.max_places "
                         f"({spec.prolific.max_places})")
    estimated = minutes or int(spec.time_limit_minutes) // 2
    maximum = maximum_allowed_time(spec.time_limit_minutes)
    if estimated > math.ceil(spec.time_limit_minutes):
        raise DraftError(f"an estimated completion time of {estimated} minutes is beyond the "
                         f"spec's time_limit_minutes ({spec.time_limit_minutes:g})")
    try:
        filters = resolve(spec.prolific.filters, filter_catalogue)
    except FilterError as exc:
        raise DraftError(str(exc)) from exc
    return {
        "name": study.title,
        "internal_name": study.slug,
        "description": spec.description or study.title,
        "external_study_url": study_url(study, server_url),
        "prolific_id_option": "url_parameters",
        "completion_codes": _codes(spec.codes),
        "estimated_completion_time": estimated,
        "maximum_allowed_time": maximum,
        "reward": int((reward * 100).to_integral_value()),
        "total_available_places": places,
        "device_compatibility": ["desktop", "tablet"],
        "is_custom_screening": True,
        "filters": filters + block_list_filter(study, spec),
    }
