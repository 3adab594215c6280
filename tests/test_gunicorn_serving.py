"""A real gunicorn on a loopback port, started as the docker image starts it (its config file):
static files come from the app without nginx, and an idle connection outlives the video page's
progress-report interval (studies.steps.video.REPORT_EVERY_S)."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from studies.steps.video import REPORT_EVERY_S

pytestmark = [pytest.mark.integration]
REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "studyserver" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    static_root = tmp_path_factory.mktemp("static_root")  # empty: collectstatic never ran
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1",
           "GUNICORN_ACCESS_LOG": "", "STATIC_ROOT": str(static_root)}
    log = open(tmp_path_factory.mktemp("log") / "gunicorn.log", "w+")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(CONFIG),
                             "studyserver.wsgi:application"], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                requests.get(url + "/static/studies/device.js", timeout=30)
                break
            except requests.RequestException:
                assert proc.poll() is None, log.seek(0) or log.read()
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def read_response(conn) -> bytes:
    """One HTTP response's head and body from a kept-alive socket (b"" if it was closed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    length = int(re.search(rb"Content-Length: (\d+)", data, re.I).group(1))
    while len(data.split(b"\r\n\r\n", 1)[1]) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_static_files_are_served_by_the_app_under_gunicorn(server):
    response = requests.get(server + "/static/studies/device.js", timeout=30)
    assert response.status_code == 200, response.status_code
    assert response.content == (REPO / "static" / "studies" / "device.js").read_bytes()
    assert "javascript" in response.headers["Content-Type"]
    assert requests.get(server + "/static/studies/none.js", timeout=30).status_code == 404


def test_keep_alive_outlasts_the_progress_report_interval(server):
    interval = REPORT_EVERY_S  # what the page hands video.js (data-report-every-s)
    host, port = server.removeprefix("http://").split(":")
    request = (f"GET /static/studies/video.js HTTP/1.1\r\nHost: {host}\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        for gap in (interval + 0.5, interval + 0.5, 0):
            conn.sendall(request)
            response = read_response(conn)
            assert response.startswith(b"HTTP/1.1 200"), "gunicorn closed the idle connection"
            time.sleep(gap)  # the page's next report comes after this gap
