"""benchmarks/load.py's client does what a browser does with a page, and keeps connection
errors in its figures."""

import asyncio
import random
import socket
import time
from pathlib import Path

import aiohttp
import pytest

from benchmarks.harness import browser_session
from benchmarks.load import OLD_REPORT_EVERY_S, Bot, Form, video_reports

PAGE = """<html><head><link rel="stylesheet" href="/static/studies/study.css"></head><body>
<form id="step-form" method="post" action="/s/x/step/">
<input type="hidden" name="csrfmiddlewaretoken" value="tok"><input type="hidden" name="step" value="video">
<video id="tutorial-video" src="/s/x/asset/tutorials/a.mp4" data-duration="12.50" data-report-every-s="10.0"></video>
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
    assert form.report_every_s == 10.0  # the interval the page gives video.js
    assert '"beacon": "/s/x/event/"' in form.config and form.hidden["step"] == "video"


def test_a_video_is_reported_as_the_player_reports_it():
    """Every interval while it plays, and once at its end (which is not on an interval)."""
    assert video_reports(25.0, 10.0) == [(10.0, 10.0), (10.0, 20.0), (5.0, 25.0)]
    assert video_reports(20.0, 10.0) == [(10.0, 10.0), (10.0, 20.0)]
    assert video_reports(3.0, 10.0) == [(3.0, 3.0)]
    with pytest.raises(ValueError, match="interval"):
        video_reports(10.0, 0.0)


def test_a_page_without_an_interval_is_reported_on_as_its_player_did():
    """An older server's page (no data-report-every-s): its video.js reported every 2 s."""
    form = Form()
    form.feed('<video src="/a.mp4" data-duration="3"></video>')
    assert form.report_every_s == OLD_REPORT_EVERY_S == 2.0


def test_a_connection_error_is_timed_and_counted():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens
    bot = Bot(f"http://127.0.0.1:{port}", "pid", random.Random(0), (0, 0))

    async def report():
        async with browser_session() as session:
            await bot.request(session, "REPORT", f"http://127.0.0.1:{port}/s/x/event/",
                              data={"kind": "video"})

    with pytest.raises(aiohttp.ClientConnectionError):
        asyncio.run(report())
    assert [(m, status) for m, _, status in bot.timings] == [("REPORT", 0)]


def test_reports_and_answers_go_urlencoded_and_cookies_are_kept_per_browser():
    """As a browser: study.js sends its reports as URLSearchParams and a form is submitted,
    both urlencoded; each bot has its own cookies, which aiohttp keeps for 127.0.0.1 too."""
    from aiohttp import web

    seen = []

    async def page(request):
        seen.append(("GET", request.cookies.get("sid"), ""))
        response = web.Response(text="ok")
        response.set_cookie("sid", request.query["who"])
        return response

    async def post(request):
        fields = await request.post()
        seen.append((request.content_type, request.cookies.get("sid"), fields.get("kind", "")))
        return web.json_response({"complete": False})

    async def walk():
        app = web.Application()
        app.add_routes([web.get("/page", page), web.post("/event", post),
                        web.post("/step", post)])
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        try:
            for who in ("a", "b"):
                bot = Bot(base, who, random.Random(0), (0, 0))
                async with browser_session() as session:
                    await bot.request(session, "GET", f"{base}/page?who={who}")
                    await bot.request(session, "REPORT", f"{base}/event",
                                      data={"kind": "video", "position": "2.00"})
                    await bot.request(session, "POST", f"{base}/step", data={"kind": "answer"})
        finally:
            await runner.cleanup()

    asyncio.run(walk())
    form = "application/x-www-form-urlencoded"
    assert seen == [("GET", None, ""), (form, "a", "video"), (form, "a", "answer"),
                    ("GET", None, ""), (form, "b", "video"), (form, "b", "answer")]


GATE = """<form id="step-form" method="post" action="/s/x/step/" data-step="gate-ml" data-wait-s="0.0">
<input type="hidden" name="step" value="gate-ml"><input type="hidden" name="nonce" value="n">
<input type="radio" name="statement-learns" value="true"><input type="radio" name="statement-learns" value="false">
<input type="radio" name="statement-relevant" value="true"><input type="radio" name="statement-relevant" value="false">
<button type="submit" id="continue">Continue</button></form>"""


def test_gates_are_answered_right_but_a_share_of_first_tries_gets_one_wrong():
    right = {"gate-ml": {"learns": "true", "relevant": "false"}}
    sure = Bot("http://x", "pid", random.Random(0), (0, 0), gates=right, wrong_first=0.0)
    form = Form()
    form.feed(GATE)
    data, sent = sure.fill(form)
    assert (data["statement-learns"], data["statement-relevant"]) == ("true", "false")
    assert sent == {("gate-ml", "true"): 1, ("gate-ml", "false"): 1}
    unsure = Bot("http://x", "pid", random.Random(0), (0, 0), gates=right, wrong_first=1.0)
    first, _ = unsure.fill(form)
    wrong = [k for k in ("learns", "relevant") if first[f"statement-{k}"] != right["gate-ml"][k]]
    assert len(wrong) == 1  # exactly one statement wrong on the first try
    second, _ = unsure.fill(form)  # the retry after the video and summary again: all right
    assert all(second[f"statement-{k}"] == v for k, v in right["gate-ml"].items())


def test_form_reads_the_minimum_time_and_a_video_watched_before():
    form = Form()
    form.feed('<form id="step-form" action="/s/x/step/" data-step="explanation" '
              'data-wait-s="29.6"></form><video src="/a.mp4" data-duration="3" '
              'data-watched-before="1"></video>')
    assert (form.wait_s, form.step, form.watched_before) == (29.6, "explanation", True)


def test_the_benchmark_walks_the_shipped_study_2_flow(tmp_path):
    import yaml

    from benchmarks.load import SHIPPED, gate_answers, narration_seconds, shipped_spec
    from studies.spec import load_spec_file

    shipped = yaml.safe_load(open(SHIPPED))
    data = shipped_spec(tmp_path / "media", None)
    # the same steps in the same order, with the same gates, minimum time and questions
    assert [(s["id"], s["type"]) for s in data["steps"]] == \
        [(s["id"], s["type"]) for s in shipped["steps"]]
    explanation = next(s for s in data["steps"] if s["id"] == "explanation")
    assert explanation["min_seconds"] == 30 and explanation["min_justification_chars"] == 30
    assert gate_answers(data) == gate_answers(shipped) and len(gate_answers(data)) == 3
    assert gate_answers(data)["gate-dataset"] == {"legs": "true", "peeky-out": "false",
                                                  "blocks": "true"}
    # fixture videos as long as the narration scripts say, for every condition's version
    video = next(s for s in data["steps"] if s["id"] == "video-explanation")
    assert video["duration_s"] == narration_seconds(Path("tutorials/condition-baseline.yaml"))
    assert set(video["by_condition"]) == {"inn", "concepts"}
    assert all((tmp_path / "media" / v["file"]).is_file()
               for v in [video, *video["by_condition"].values()])
    # each condition shows a published 10x5 fixture stimulus whose grid is a real grid's size
    for condition in data["conditions"]:
        grid = tmp_path / "media" / "stimuli" / condition["stimulus_key"] / "grid.png"
        assert grid.stat().st_size > 500_000
    path = tmp_path / "spec.yaml"
    for condition in data["conditions"]:
        condition["target"] = 5
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    spec = load_spec_file(path)  # a valid study spec
    assert spec.time_limit_minutes == 77 and spec.prolific.codes["completion"] == "C2T4T2OK"


def test_the_servers_cpu_per_request_is_read_from_server_timing():
    from django.http import HttpResponse
    from django.test import RequestFactory

    from benchmarks.load import server_timing_ms
    from studyserver.timing import CpuTiming

    def busy(request):
        sum(i * i for i in range(200_000))  # some CPU in the view
        time.sleep(0.05)  # and a wait: wall time, not CPU
        return HttpResponse("ok")

    header = CpuTiming(busy)(RequestFactory().get("/"))["Server-Timing"]
    cpu, app = server_timing_ms(header, "cpu"), server_timing_ms(header, "app")
    assert header.startswith("cpu;dur=") and cpu > 1.0 and app >= cpu + 50
    assert server_timing_ms('db;dur=3, cpu;desc="x";dur=2.5', "cpu") == 2.5
    assert server_timing_ms("", "cpu") is None and server_timing_ms("cpu;dur=x", "cpu") is None
    assert server_timing_ms("cpu;dur=2", "app") is None


def test_cpu_by_kind_counts_each_kind_and_its_share():
    from benchmarks.load import cpu_by_kind

    bot = Bot("http://x", "pid", random.Random(0), (0, 0))
    bot.server_cpu = [("REPORT", 2.0), ("REPORT", 4.0), ("GET", 6.0)]
    out = cpu_by_kind([bot])
    assert out["REPORT"] == {"n": 2, "median": 3.0, "mean": 3.0, "share_of_cpu": 0.5}
    assert out["GET"]["share_of_cpu"] == 0.5 and out["all"] == {"n": 3, "mean": 4.0}


def test_the_pages_time_is_split_into_django_and_outside_it_by_request():
    from benchmarks.load import wall_split

    bot = Bot("http://x", "pid", random.Random(0), (0, 0))
    # (kind, Django's wall ms, the client's ms); reports are not pages
    bot.server_wall = [("GET", 10.0, 12.0), ("POST", 20.0, 320.0), ("REPORT", 1.0, 900.0)]
    out = wall_split([bot])
    assert out["n"] == 2
    assert out["in_django_p50_p95_p99"] == [10.0, 20.0, 20.0]
    assert out["outside_django_p50_p95_p99"] == [2.0, 300.0, 300.0]
    assert out["client_p50_p95_p99"] == [12.0, 320.0, 320.0]
    assert wall_split([Bot("http://x", "pid", random.Random(0), (0, 0))]) == {}


def test_pages_by_minute_puts_each_page_in_the_minute_it_ended_with_the_open_sessions():
    from benchmarks.load import pages_by_minute

    early = Bot("http://x", "a", random.Random(0), (0, 0), started=100.0, ended=150.0)
    late = Bot("http://x", "b", random.Random(0), (0, 0), started=130.0, ended=200.0)
    early.ends = [("GET", 0.01, 110.0), ("POST", 0.02, 140.0), ("REPORT", 5.0, 141.0)]
    late.ends = [("GET", 0.5, 175.0)]
    out = pages_by_minute([early, late], t0=100.0)
    assert out == [{"minute": 0, "pages": 2, "p95_ms": 20.0, "sessions": 2},
                   {"minute": 1, "pages": 1, "p95_ms": 500.0, "sessions": 1}]


def test_loop_lag_sees_a_blocked_event_loop():
    from benchmarks.harness import loop_lag

    async def blocks():
        await asyncio.sleep(0.12)
        time.sleep(0.2)  # the loop is held: the sampler wakes about 0.2 s late
        await asyncio.sleep(0.12)
        return "done"

    late: list[float] = []
    assert asyncio.run(loop_lag(blocks(), late)) == "done"
    assert len(late) >= 3 and max(late) > 0.12 and min(late) < 0.05


@pytest.mark.django_db
def test_the_servers_readiness_check_logs_nothing_the_old_warm_up_logged_bad_request(
        client, study, caplog):
    """The 12 "Bad Request: /s/load-benchmark/" lines of a run's gunicorn log were the warm-up:
    the entry link without Prolific's parameters, 4 per worker x 3 workers, answered 400 and
    logged by django.request. The readiness check asks for a script instead."""
    from benchmarks.load import READY_PATH

    with caplog.at_level("WARNING", logger="django.request"):
        assert client.get(f"/s/{study.slug}/").status_code == 400
    assert [r.getMessage() for r in caplog.records] == [f"Bad Request: /s/{study.slug}/"]
    caplog.clear()
    with caplog.at_level("DEBUG"):
        assert client.get(READY_PATH).status_code == 200
    assert [r.getMessage() for r in caplog.records if r.levelname != "DEBUG"] == []
