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


TEST_COLUMNS = [("analysis_id", "analysis"), ("test", "test"), ("label", "what"),
                ("statistic_name", "stat"), ("statistic", "value"), ("df", "df"),
                ("p", "p"), ("p_adjusted", "p (adj.)"), ("alpha", "alpha"),
                ("significant", "sig."), ("effect_size_name", "effect"),
                ("effect_size", "size"), ("n", "n"), ("variant", "variant"),
                ("decision", "decision"), ("preregistered", "prereg.")]


def tests_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    header = [label for _, label in TEST_COLUMNS]
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for column, _ in TEST_COLUMNS:
            value = row[column]
            if column in ("p", "p_adjusted"):
                cells.append(fmt_p(value))
            elif column == "preregistered":
                cells.append("preregistered" if value else "exploratory")
            elif column == "n" and row["test"] == "decision":
                cells.append("")
            elif column == "significant":
                cells.append("" if value is None or (isinstance(value, float) and math.isnan(
                    value)) else ("yes" if value else "no"))
            else:
                cells.append(fmt(value.item() if hasattr(value, "item") else value))
        rows.append(cells)
    return header, rows


def frame_rows(frame: pd.DataFrame, *, index: bool, digits: int = 3):
    frame = frame.reset_index() if index else frame
    header = [str(c) for c in frame.columns]
    rows = [[fmt(v.item() if hasattr(v, "item") else v, digits) for v in r]
            for r in frame.itertuples(index=False)]
    return header, rows
