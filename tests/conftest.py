import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("XAI_SHARED_DIR", REPO.parent / "shared"))
# the explorer's background warm-up, started by every test process that shows an explorer
# page: its first 120 pictures (the starting previews), not all 2,142 (~20 s of a core);
# tests/test_explorer_warm.py warms in full where it tests the warm-up
os.environ.setdefault("XAI_EXPLORER_WARM_PICTURES", "120")

# Fixtures of the studies tests (clock, study, trial_study) and the scripted participants;
# borowski_pages_study (tests/borowski_pages.py).
pytest_plugins = ["tests.bots", "tests.borowski_pages"]


@pytest.fixture(autouse=True)
def _no_arrival_limit(settings):
    """Test clients all arrive from 127.0.0.1; tests/prolific/test_prolific_arrivals.py sets one."""
    settings.ARRIVALS_PER_ADDRESS_PER_MINUTE = 0


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Every test writes media and stimuli below its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STIMULI_ROOT = tmp_path / "media" / "stimuli"
