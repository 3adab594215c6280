"""benchmarks/load.py's client does what a browser does with a page, and keeps connection
errors in its figures."""

import random
import socket

import pytest
import requests

from benchmarks.load import Bot, Form

PAGE = """<html><head><link rel="stylesheet" href="/static/studies/study.css"></head><body>
<form id="step-form" method="post" action="/s/x/step/">
<input type="hidden" name="csrfmiddlewaretoken" value="tok"><input type="hidden" name="step" value="video">
<video id="tutorial-video" src="/s/x/asset/tutorials/a.mp4" data-duration="12.50"></video>
<button type="submit" id="continue" disabled>Continue</button></form>
<script id="study-config" type="application/json">{"beacon": "/s/x/event/", "step": "video", "nonce": "n1"}</script>
<script src="/static/studies/study.js"></script><script src="/static/studies/video.js"></script>
</body></html>"""


def test_form_finds_what_a_browser_loads_and_reports_to():
    form = Form()
    form.feed(PAGE)
    assert form.statics == ["/static/studies/study.css", "/static/studies/study.js",
                            "/static/studies/video.js"]
    assert (form.video, form.duration) == ("/s/x/asset/tutorials/a.mp4", 12.5)
    assert '"beacon": "/s/x/event/"' in form.config and form.hidden["step"] == "video"


def test_a_connection_error_is_timed_and_counted():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens
    bot = Bot(f"http://127.0.0.1:{port}", "pid", random.Random(0), (0, 0))
    with pytest.raises(requests.ConnectionError):
        bot.request(requests.Session(), "REPORT", f"http://127.0.0.1:{port}/s/x/event/")
    assert [(m, status) for m, _, status in bot.timings] == [("REPORT", 0)]
