"""Reading responses into the tidy layout of docs/architecture.md, Contract 4.

Other layouts (for instance the trial files published by Borowski et al. 2021) are described
by the preregistration's ``columns:`` mapping (tidy name -> column in the file), ``constants:``
(tidy name -> fixed value), ``recode:`` (column -> {old: new}) and ``trial_filters:``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from studies.export_contract import COLUMN_NAMES, SESSION_COLUMNS

from .results import AnalysisError

TIDY_COLUMNS = COLUMN_NAMES  # Contract 4's columns (studies.export_contract)
PARTICIPANT_COLUMNS = SESSION_COLUMNS
_TRUE = {"true", "1", "yes", "t", "y", "1.0"}
_FALSE = {"false", "0", "no", "f", "n", "0.0"}
BLANK = {"", "nan", "none", "<na>", "nat"}


# Contract 4: in CSV, a text cell that would start with = + - @ tab or CR (optionally after
# quotes) carries one extra leading ' against spreadsheet formula injection.
ESCAPED = re.compile(r"'+[=+\-@\t\r]")
# The columns every Contract 4 export has had (studies.export_contract's first version): a CSV
# with them is this platform's export, whatever columns added since (participant_group,
# reference, ...) it predates, so its escapes are undone too. (An export from before the
# escaping itself, 2026-12-02, would lose one leading ' of a text starting '= ; none is known.)
CONTRACT_4_CORE = ("study", "participant", "prolific_pid", "condition", "variant", "status",
                   "attempt", "started_at", "completed_at", "duration_s", "device_ok", "step",
                   "item_type", "item", "response", "answer_key", "correct", "justification",
                   "rt_ms", "rt_server_ms", "step_duration_s", "trial", "trial_kind",
                   "confidence", "answered_at")


def unescape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """The original text of a Contract 4 CSV read as strings: one leading ' dropped where the
    export added it (studies.exports.tidy.safe_for_spreadsheets)."""
    return frame.map(lambda v: v[1:] if isinstance(v, str) and ESCAPED.match(v) else v)


def read_table(path: str | Path) -> pd.DataFrame:
    """A responses file (CSV or Parquet) as written; a CSV of this platform's export (Contract 4's
    core columns, CONTRACT_4_CORE) has its formula escapes undone, other layouts are read
    verbatim."""
    path = Path(path)
    if not path.exists():
        raise AnalysisError(f"responses file {path} does not exist")
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as exc:
        raise AnalysisError(f"responses file {path} is empty: no header line and no rows "
                            f"(expected the tidy export, Contract 4)") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise AnalysisError(f"cannot read {path} as CSV: {exc}") from exc
    return unescape_formulas(frame) if set(CONTRACT_4_CORE) <= set(frame.columns) else frame


def text(series: pd.Series) -> pd.Series:
    """Lower-case, stripped strings; missing values (None, NaN, pd.NA) become ''."""
    as_object = series.astype(object)
    return as_object.where(series.notna(), "").astype(str).str.strip().str.lower()


def to_bool(series: pd.Series, name: str) -> pd.Series:
    """true/false/1/0 (and yes/no) as a nullable boolean; a blank cell stays blank (<NA>), so
    that a rule decides what blank means instead of reading it as false."""
    def one(value):
        if isinstance(value, bool):
            return value
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return pd.NA
        word = str(value).strip().lower()
        if word in _TRUE:
            return True
        if word in BLANK:
            return pd.NA
        if word in _FALSE:
            return False
        raise AnalysisError(f"column {name!r}: {value!r} is not a boolean (true/false/1/0)")

    return series.map(one).astype("boolean")


def to_number(series: pd.Series, name: str) -> pd.Series:
    blank = text(series).isin(BLANK)
    numbers = pd.to_numeric(series.where(~blank), errors="coerce")
    bad = numbers.isna() & ~blank
    if bad.any():
        raise AnalysisError(
            f"column {name!r}: {series[bad].iloc[0]!r} (row {bad.idxmax()}) is not a number")
    return numbers.astype(float)


def apply_layout(raw: pd.DataFrame, *, columns: dict, constants: dict, recode: dict,
                 filters: list) -> pd.DataFrame:
    """Rename, add constants, recode values and filter rows, as the preregistration says."""
    missing = [src for src in columns.values() if src not in raw.columns]
    if missing:
        raise AnalysisError(
            f"columns {missing} named in the preregistration's 'columns:' mapping are not in "
            f"the responses file (it has: {', '.join(map(str, raw.columns[:30]))})")
    frame = raw.copy()
    for tidy_name, source in columns.items():
        frame[tidy_name] = raw[source]
    for tidy_name, value in constants.items():
        frame[tidy_name] = value
    for column, mapping in recode.items():
        if column not in frame.columns:
            raise AnalysisError(f"recode: column {column!r} is not in the responses")
        frame[column] = frame[column].astype(str).replace({str(k): str(v) for k, v in mapping.items()})
    for rule in filters:
        frame = frame[_filter_mask(frame, rule)]
    return frame.reset_index(drop=True)


def _filter_mask(frame: pd.DataFrame, rule: dict) -> pd.Series:
    column = rule["column"]
    if column not in frame.columns:
        raise AnalysisError(f"trial_filters: column {column!r} is not in the responses")
    values = frame[column].astype(str).str.strip().str.lower()
    if "in" in rule:
        mask = values.isin([str(v).lower() for v in rule["in"]])
    elif "not_in" in rule:
        mask = ~values.isin([str(v).lower() for v in rule["not_in"]])
    else:
        mask = values == str(rule["equals"]).lower()
    return mask


def normalise(frame: pd.DataFrame, *, required: list[str]) -> pd.DataFrame:
    """Check required columns and convert the typed ones (correct, duration_s, ...)."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise AnalysisError(
            f"the responses lack the column(s) {', '.join(missing)}; add them or map them with "
            f"the preregistration's 'columns:' section")
    frame = frame.copy()
    frame["participant"] = frame["participant"].astype(str)
    for name in ("condition", "status", "prolific_pid", "item_type", "item", "response", "step",
                 "answer_key", "trial_kind"):
        if name in frame.columns:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), "").astype(str)
    for name in ("device_ok", "videos_completed", "pilot", "retake_allowed"):
        if name in frame.columns:
            frame[name] = to_bool(frame[name], name)
    if "gate_failures" in frame.columns:  # per gate, 'gate-id=n;...' (read by the gate rule)
        frame["gate_failures"] = frame["gate_failures"].astype(object).where(
            frame["gate_failures"].notna() & ~text(frame["gate_failures"]).isin(BLANK), None)
    for name in ("duration_s", "attempt", "rt_ms", "rt_server_ms", "step_duration_s", "trial",
                 "confidence"):
        if name in frame.columns:
            frame[name] = to_number(frame[name], name)
    if "correct" in frame.columns:
        values = text(frame["correct"])
        mapped = values.map({"1": 1.0, "0": 0.0, "true": 1.0, "false": 0.0, "1.0": 1.0,
                             "0.0": 0.0} | dict.fromkeys(BLANK, float("nan")))
        bad = mapped.isna() & ~values.isin(BLANK)
        if bad.any():
            raise AnalysisError(f"{where(frame, bad.idxmax(), 'correct')}: "
                                f"{frame['correct'][bad].iloc[0]!r} is not 0/1 (true/false)")
        frame["correct"] = mapped
    return frame


FILE_ROW = "_file_row"


def number_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """Remember each row's line in the file (header = row 1) as :data:`FILE_ROW`."""
    return raw.assign(**{FILE_ROW: range(2, len(raw) + 2)})


def where(frame: pd.DataFrame, index, column: str) -> str:
    """'row 7, column 'response'' as a person counts rows in the file (header = row 1)."""
    row = frame.at[index, FILE_ROW] if FILE_ROW in frame.columns else None
    return f"row {row}, column {column!r}" if row is not None else f"column {column!r}"


def participants(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per participant with the session-level columns that are present."""
    cols = [c for c in PARTICIPANT_COLUMNS if c in frame.columns]
    table = frame.groupby("participant", sort=True)[cols].first() if cols else (
        pd.DataFrame(index=sorted(frame["participant"].unique())))
    table.index.name = "participant"
    return table
