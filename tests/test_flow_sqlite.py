"""The demo's database (SQLite in a file) under concurrent requests: simultaneous arrivals, a
double submit and parallel sessions answer without "database is locked" 500s, and nothing is
overfilled, duplicated or lost. Runs ``tests/sqlite_rush.py`` in a process with the demo's
settings (the suite's own database is PostgreSQL); the PostgreSQL side is
tests/test_flow_concurrency.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_concurrent_requests_on_the_demo_sqlite_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_"))}
    env.update(DJANGO_SETTINGS_MODULE="studyserver.settings", DJANGO_SECRET_KEY="x",
               DATABASE_URL=f"sqlite:///{tmp_path}/demo.sqlite3", MEDIA_ROOT=str(tmp_path / "m"))
    done = subprocess.run([sys.executable, "-m", "tests.sqlite_rush", str(tmp_path)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["errors"] == [] and "database is locked" not in done.stderr
    assert seen["journal_mode"] == "wal"
    assert all(int(code) < 500 for code in seen["codes"])
    assert seen["sessions_of_one_pid"] == 1
    assert seen["held_after_arrivals"] == 8  # two conditions of 4 places, 1 + 16 arrivals
    assert seen["expertise_rows_after_double_submit"] == 1
    assert seen["completed"] == seen["walkers"] == 6
