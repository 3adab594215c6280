import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("XAI_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Every test writes media and stimuli below its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STIMULI_ROOT = tmp_path / "media" / "stimuli"
