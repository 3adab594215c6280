"""Docker files: compose validates (with the docker client), no secrets in files, sane images."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DOCKER = Path(__file__).resolve().parent.parent / "docker"
COMPOSE = DOCKER / "compose.yaml"
SERVICES = {"postgres", "redis", "setup", "web", "worker", "gpu-worker", "beat", "proxy"}
SECRETS = ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "PROLIFIC_API_TOKEN")


def compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def run_config(tmp_path, **env):
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is on PATH")
    empty = tmp_path / "empty.env"  # ignore a developer's docker/.env
    empty.write_text("")
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run(
        [*command, "-f", str(COMPOSE), "--env-file", str(empty), "--profile", "gpu", "config"],
        capture_output=True, text=True, env={**clean, **env}, timeout=60,
    )


def test_compose_config_validates(tmp_path):
    result = run_config(tmp_path, DJANGO_SECRET_KEY="k", POSTGRES_PASSWORD="p")
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == SERVICES
    devices = services["gpu-worker"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert services["gpu-worker"]["command"] == ["gpu-worker"]
    assert services["web"]["environment"]["DATABASE_URL"] == "postgres://xai:p@postgres:5432/xai"
    for name in ("postgres", "redis", "web", "worker", "gpu-worker"):
        assert "healthcheck" in services[name], name
    assert set(config["volumes"]) >= {"pgdata", "media"}


def test_compose_refuses_to_run_without_secrets(tmp_path):
    result = run_config(tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr or "POSTGRES_PASSWORD" in result.stderr


def test_no_secret_values_in_files():
    text = COMPOSE.read_text()
    for key in SECRETS:
        for value in re.findall(rf"^\s*{key}:\s*(\S+)", text, re.M):
            assert value.startswith("${"), f"{key} must come from the environment, not {value}"
    example = (DOCKER / "env.example").read_text()
    for key in SECRETS:
        assert re.search(rf"^{key}=$", example, re.M), f"{key} must be empty in env.example"
    assert (DOCKER / ".gitignore").read_text().split() == [".env"]


def test_images_run_as_non_root_and_serve_with_gunicorn():
    web = (DOCKER / "Dockerfile").read_text()
    gpu = (DOCKER / "Dockerfile.gpu").read_text()
    assert web.startswith("#") and "FROM python:3.11-slim" in web
    assert re.search(r"^USER app$", web, re.M) and re.search(r"^USER app$", gpu, re.M)
    assert "cuda" in gpu.lower()
    entry = (DOCKER / "entrypoint.sh").read_text()
    assert "exec gunicorn -c studyserver/gunicorn.conf.py studyserver.wsgi:application" in entry
    assert "-Q gpu" in entry and "-Q default" in entry
    syntax = subprocess.run(["sh", "-n", str(DOCKER / "entrypoint.sh")], capture_output=True)
    assert syntax.returncode == 0, syntax.stderr
    requirements = (DOCKER.parent / "requirements.txt").read_text()
    assert re.search(r"^gunicorn==", requirements, re.M)
    for dockerfile in ("Dockerfile", "Dockerfile.gpu"):
        ignored = (DOCKER / f"{dockerfile}.dockerignore").read_text().split()
        assert ".venv" in ignored and ".git" in ignored
