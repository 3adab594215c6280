"""Formatting helpers shared by the markdown and HTML writers."""

from __future__ import annotations

import math

import pandas as pd


def fmt(value, digits: int = 3) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "inf"
        if value != 0 and abs(value) < 10 ** -digits:
            return f"{value:.1e}"
        return f"{value:.{digits}f}"
    return str(value)


def fmt_p(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def frame_rows(frame: pd.DataFrame, *, index: bool, digits: int = 3):
    frame = frame.reset_index() if index else frame
    header = [str(c) for c in frame.columns]
    rows = [[fmt(v.item() if hasattr(v, "item") else v, digits) for v in r]
            for r in frame.itertuples(index=False)]
    return header, rows
