"""`python manage.py ...` in a local checkout works without exporting a key (bin/local-env writes
a git-ignored .env); production (DJANGO_PRODUCTION=1) still refuses to start without one."""

import os
import shutil
import stat
import subprocess
import sys

import pytest

from studyserver.localenv import EnvFileError, read_env_file
from tests.conftest import REPO

SCRUBBED = ("DJANGO_SECRET_KEY", "DJANGO_DEBUG", "XAI_ALLOW_INSECURE_KEY", "DJANGO_PRODUCTION",
            "DJANGO_ENV_FILE")


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    return subprocess.run([sys.executable, str(REPO / "manage.py"), *args], cwd=REPO,
                          capture_output=True, text=True, env={**clean, **env}, timeout=300)


@pytest.fixture
def written_env(tmp_path):
    """bin/local-env run in a copy of the checkout's layout: the .env it writes."""
    (tmp_path / "bin").mkdir()
    shutil.copy(REPO / "bin" / "local-env", tmp_path / "bin" / "local-env")
    subprocess.run([str(tmp_path / "bin" / "local-env")], check=True, capture_output=True)
    return tmp_path / ".env"


def test_local_env_writes_a_private_random_key_once(written_env, tmp_path):
    key = read_env_file(written_env)["DJANGO_SECRET_KEY"]
    assert len(key) >= 50
    assert stat.S_IMODE(written_env.stat().st_mode) == 0o600
    subprocess.run([str(tmp_path / "bin" / "local-env")], check=True, capture_output=True)
    assert read_env_file(written_env)["DJANGO_SECRET_KEY"] == key  # kept, not rotated


def test_env_file_is_git_ignored_and_written_by_setup():
    assert "/.env" in (REPO / ".gitignore").read_text().split()
    assert "bin/local-env" in (REPO / "bin" / "setup").read_text()


def test_manage_py_runs_with_the_local_env_file_only(written_env):
    result = manage("check", DJANGO_ENV_FILE=str(written_env))
    assert result.returncode == 0, result.stderr[-2000:]


def test_without_key_or_env_file_the_error_says_what_to_run(tmp_path):
    result = manage("check", DJANGO_ENV_FILE=str(tmp_path / "missing.env"))
    assert result.returncode != 0
    assert "bin/setup" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_production_ignores_the_env_file_and_refuses_without_a_key(written_env):
    result = manage("check", DJANGO_ENV_FILE=str(written_env), DJANGO_PRODUCTION="1")
    assert result.returncode != 0
    assert "DJANGO_PRODUCTION=1" in result.stderr and "must come from the environment" in result.stderr
    ok = manage("check", DJANGO_ENV_FILE=str(written_env), DJANGO_PRODUCTION="1",
                DJANGO_SECRET_KEY="a-real-production-key")
    assert ok.returncode == 0, ok.stderr[-2000:]


def test_production_refuses_debug():
    result = manage("check", DJANGO_PRODUCTION="1", DJANGO_DEBUG="1", DJANGO_SECRET_KEY="k")
    assert result.returncode != 0 and "DJANGO_DEBUG=1 is refused" in result.stderr


def test_environment_wins_over_the_env_file(tmp_path, monkeypatch):
    from studyserver.localenv import apply_env_file

    path = tmp_path / ".env"
    path.write_text("# comment\n\nDJANGO_SECRET_KEY=from-file\nOTHER=x\n")
    environ = {"DJANGO_SECRET_KEY": "from-env"}
    assert apply_env_file(environ, path, production=False) == {"OTHER": "x"}
    assert environ == {"DJANGO_SECRET_KEY": "from-env", "OTHER": "x"}
    assert apply_env_file({}, path, production=True) == {}


def test_malformed_env_file_names_the_line(tmp_path):
    path = tmp_path / ".env"
    path.write_text("DJANGO_SECRET_KEY=abc\nexport FOO bar\n")
    with pytest.raises(EnvFileError, match=r"line 2: expected NAME=value"):
        read_env_file(path)
    result = manage("check", DJANGO_ENV_FILE=str(path))
    assert result.returncode != 0 and "line 2" in result.stderr


def test_images_and_compose_set_the_production_flag():
    for name in ("Dockerfile", "Dockerfile.gpu"):
        assert "DJANGO_PRODUCTION=1" in (REPO / "docker" / name).read_text(), name
    assert 'DJANGO_PRODUCTION: "1"' in (REPO / "docker" / "compose.yaml").read_text()
