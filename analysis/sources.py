"""Where the analysis gets a study's responses from the database: the studies app's export."""

from __future__ import annotations

import pandas as pd

from .results import AnalysisError


def tidy_responses(study) -> pd.DataFrame:
    """The tidy export of ``study`` (docs/architecture.md, Contract 4)."""
    try:
        from studies.exports import tidy_responses as export
    except ImportError as exc:
        raise AnalysisError("the studies app has no export function "
                            "studies.exports.tidy_responses(study) yet") from exc
    frame = export(study)
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError("studies.exports.tidy_responses did not return a DataFrame")
    return frame


def explorer_actions(study) -> pd.DataFrame:
    """The explorer's action export of ``study`` (one row per action; empty without explorer)."""
    from studies.exports import explorer_actions as export

    return export(study)
