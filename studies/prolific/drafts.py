"""The ``POST /studies/`` payload for a study draft, built from our loaded study spec."""

from __future__ import annotations

from decimal import Decimal

from studies.models import Study

PARAMS = "PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}"
# Our code kinds -> Prolific completion-code types (COMPLETED is documented; the others are the
# names Prolific's study editor uses; OTHER where there is none). All are reviewed manually.
CODE_TYPES = {"completion": "COMPLETED", "no_consent": "NO_CONSENT",
              "device": "INCOMPATIBLE_DEVICE", "screened_out": "OTHER", "timed_out": "OTHER"}


class DraftError(ValueError):
    """The study spec lacks something Prolific needs."""


def study_url(study: Study, server_url: str) -> str:
    return f"{server_url.rstrip('/')}/s/{study.slug}/?{PARAMS}"


def draft_payload(study: Study, *, server_url: str, minutes: int | None = None,
                  places: int | None = None, reward_gbp: Decimal | None = None) -> dict:
    """Reward (in pence), places (sum of condition targets) and codes come from the spec."""
    spec = study.spec or {}
    if not server_url.startswith("https://") and not server_url.startswith("http://127."):
        raise DraftError(f"server URL must be https:// (participants reach it), got {server_url!r}")
    codes = spec.get("codes") or {}
    if not codes.get("completion"):
        raise DraftError("the spec has no prolific.codes.completion")
    reward = reward_gbp if reward_gbp is not None else Decimal(
        str((spec.get("payment") or {}).get("base") or 0))
    if reward <= 0:
        raise DraftError("the reward must be positive (spec payment.base or --reward-gbp)")
    places = places or sum(int(c.get("target") or 0) for c in spec.get("conditions") or [])
    if places <= 0:
        raise DraftError("no places: give --places or condition targets in the spec")
    minutes = minutes or int(spec.get("time_limit_minutes") or 60) // 2
    completion_codes, seen = [], set()
    for kind in CODE_TYPES:  # completion first
        code = codes.get(kind)
        if code and code not in seen:  # codes must be unique within a Prolific study
            seen.add(code)
            completion_codes.append({"code": code, "code_type": CODE_TYPES[kind],
                                     "actions": [{"action": "MANUALLY_REVIEW"}]})
    return {
        "name": study.title,
        "internal_name": study.slug,
        "description": spec.get("description") or study.title,
        "external_study_url": study_url(study, server_url),
        "prolific_id_option": "url_parameters",
        "completion_codes": completion_codes,
        "estimated_completion_time": minutes,
        "reward": int((reward * 100).to_integral_value()),
        "total_available_places": places,
        "device_compatibility": ["desktop", "tablet"],
    }
