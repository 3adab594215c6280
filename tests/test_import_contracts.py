"""The import contracts of pyproject.toml ([tool.importlinter], run by bin/test): they hold on the
checkout, and a new import across a layer breaks them (checked on a copy of the packages)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("explainers", "analysis", "studies", "studyserver")
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def copy(tmp_path):
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_on_the_checkout():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_analysis_imports_from_studies_only_the_export_contract():
    """What analysis imports of studies today is within the contract's allowed set (the export,
    its vocabulary, the study spec and the go-live signal), and studies.models is not in it."""
    import grimp

    graph = grimp.build_graph("analysis", "studies")
    used = {imported.split(".")[1] for module in graph.modules if module.startswith("analysis")
            for imported in graph.find_modules_directly_imported_by(module)
            if imported.startswith("studies.")}
    assert used <= {"export_contract", "exports", "spec", "answer_keys", "readiness"}, used
    assert "exports" in used and "export_contract" in used


@pytest.mark.parametrize("module, line, broken", [
    ("explainers/models/flow.py", "import django",
     "The torch side of explainers imports no Django, no Celery and no other app BROKEN"),
    ("explainers/validation_data.py", "import studies.spec",
     "No cycles between the apps: studyserver > analysis > studies > explainers BROKEN"),
    ("analysis/descriptives.py", "from studies.models import Participant",
     "analysis imports from studies only the export contract BROKEN"),
    ("analysis/views.py", "from studies.flow import advance",
     "analysis imports from studies only the export contract BROKEN"),
    ("analysis/tidy.py", "from django.conf import settings",
     "analysis' statistical core imports no Django BROKEN"),
])
def test_a_new_import_across_a_layer_breaks_a_contract(copy, module, line, broken):
    with open(copy / module, "a") as f:
        f.write(f"\n{line}  # noqa\n")
    done = lint(copy)
    assert done.returncode == 1, done.stdout + done.stderr
    assert broken in done.stdout
    assert module.replace("/", ".").removesuffix(".py") in done.stdout
