"""The bots' study spec with extra lines in its ``prolific:`` block (filters, places, grace)."""

from pathlib import Path

from studies.loading import load_study
from tests.bots import write_study

ELIGIBILITY = """\
  filters:                       # D.2 point 7
    fluent-languages: [English]
    highest-education-level-completed:
      - "Undergraduate degree (BA/BSc/other)"
      - "Graduate degree (MA/MSc/MPhil/other)"
      - "Doctorate degree (PhD/other)"
    approval_rate: {min: 90, max: 100}
"""


def spec_with(tmp_path: Path, settings, prolific: str = "", **kwargs) -> Path:
    path = write_study(tmp_path, settings, **kwargs)
    text = path.read_text()
    assert "prolific:\n  codes:" in text
    path.write_text(text.replace("prolific:\n  codes:", f"prolific:\n{prolific}  codes:", 1))
    return path


def load_with(tmp_path: Path, settings, prolific: str = "", **kwargs):
    return load_study(spec_with(tmp_path, settings, prolific, **kwargs))[0]
