"""The tidy export's contract (studies.export_contract): the documented table, the stored
statuses and the export's frame all say the same, and the module imports no Django."""

import re
import subprocess
import sys
from pathlib import Path

from studies import export_contract as contract
from studies.export_contract import ItemType, SessionStatus, TrialKind

ROOT = Path(__file__).resolve().parent.parent


def documented_columns() -> dict[str, str]:
    """column -> the 'meaning' cell of docs/architecture.md's Contract 4 table."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Contract 4", 1)[1].split("\n## ", 1)[0]
    out = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            for name in re.findall(r"`([a-z_]+)`", cells[0]):
                out[name] = cells[2]
    return out


def test_the_documented_table_has_exactly_the_contract_columns():
    assert list(documented_columns()) == contract.COLUMN_NAMES


def test_the_documented_values_are_the_enums():
    doc = documented_columns()
    assert set(re.findall(r"`([a-z_]+)`", doc["item_type"])) == set(ItemType)
    assert set(re.findall(r"`([a-z_]+)`", doc["trial_kind"])) == set(TrialKind)
    assert set(re.findall(r"`([a-z_]+)`", doc["status"])) == set(SessionStatus)


def test_the_stored_statuses_are_the_contract_statuses():
    from studies.models import Status

    assert {s.value for s in Status} == {s.value for s in SessionStatus}


def test_a_member_is_its_string():
    assert ItemType.RELEVANCE == "relevance" and f"{TrialKind.CATCH}" == "catch"
    assert str(SessionStatus.SCREENED_OUT) == "screened_out"


def test_the_contract_imports_no_django_and_no_pandas():
    code = ("import sys, studies.export_contract; "
            "print(sorted(m for m in ('django', 'pandas', 'studies.models') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
