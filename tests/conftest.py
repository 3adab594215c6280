import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("XAI_SHARED_DIR", REPO.parent / "shared"))

# Fixtures of the studies tests (clock, study, trial_study) and the scripted participants.
pytest_plugins = ["tests.bots"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Every test writes media and stimuli below its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STIMULI_ROOT = tmp_path / "media" / "stimuli"
