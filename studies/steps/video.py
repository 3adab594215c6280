"""Tutorial video that must be watched to the end.

The player (static/studies/video.js) blocks seeking ahead and posts its position as a ``video``
beacon every REPORT_EVERY_S seconds while it plays (the page hands it the interval as
``data-report-every-s``) and at once when it pauses, seeks, is hidden and when the video ends (the
report that opens Continue). The server accepts a position only as far as the wall-clock time
since the last report allows, plus a slack that is shared by all reports (a leaky bucket: what a
report is credited beyond the wall time since the previous one is owed until wall time catches
up), so forged, skipped-ahead or bursts of reports do not count; Continue is accepted once
the accepted position reaches the end AND the wall time on the step covers the video's duration.
A video watched completely once (e.g. before a failed comprehension gate) may be skipped through.
Progress reports are coalesced into fewer Events (:func:`_worth_an_event`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .base import StepSpec, StepType, number
from .outcomes import Invalid, Next

PROGRESS = "video"   # the beacon (and Event) kind of the player's progress reports
SLACK_S = 2.0        # allowed lead of the accepted position over the wall time (all reports)
RATE = 1.25          # and the allowed playback speed
END_TOLERANCE_S = 1.0
WALL_FRACTION = 0.9  # wall time on the step must cover this share of the duration
EVENT_EVERY_S = 30.0
# How often the playing video reports its position. The server's own clock bounds the credit (a
# late or a burst of reports gains nothing), so the interval only decides how much progress a
# reload may lose and how many requests a video costs: two thirds of all requests at 2 s. It must
# stay below gunicorn's keep-alive (studyserver/gunicorn.conf.py, 75 s).
REPORT_EVERY_S = 10.0


@dataclass
class VideoSpec(StepSpec):
    file: str = ""
    generated: str = ""
    duration_s: float | None = None
    text: str = ""
    default_title = "Tutorial video"

    @classmethod
    def read_fields(cls, r, ctx):
        out = {"file": r.str("file", ""), "generated": r.str("generated", "", slug=True),
               "duration_s": r.number("duration_s", None, minimum=1),
               "text": r.str("text", "")}
        if bool(out["file"]) == bool(out["generated"]):
            r.error(None, "a video needs exactly one of 'file' or 'generated'")
        return out


def record_progress(ctx, position: float) -> dict:
    """Account one progress report of the player; returns the step's video state."""
    state = ctx.state
    last = state.get("wall")
    last_wall = datetime.fromisoformat(last) if last else (
        ctx.participant.step_started_at or ctx.now)
    until = float(state.get("until", 0.0))
    wall_credit = max(0.0, (ctx.now - last_wall).total_seconds()) * RATE
    lead = float(state.get("lead", 0.0))  # credit given so far beyond the wall time
    allowed = until + wall_credit + max(0.0, SLACK_S - lead)
    accepted = min(max(position, 0.0), allowed)
    if position > allowed + 0.5:
        state["seeks"] = state.get("seeks", 0) + 1
    state["lead"] = max(0.0, lead + max(0.0, accepted - until) - wall_credit)
    state["until"] = max(until, accepted)
    state["wall"] = ctx.now.isoformat()
    duration = ctx.files.video_duration(ctx.step) or 0.0
    if duration and state["until"] >= duration - END_TOLERANCE_S:
        state["until"] = max(state["until"], duration)
    return state


def watched(ctx) -> bool:
    state = ctx.state
    if state.get("done"):
        return True
    duration = ctx.files.video_duration(ctx.step)
    if not duration:
        return False
    return (float(state.get("until", 0.0)) >= duration - END_TOLERANCE_S
            and ctx.elapsed_s >= duration * WALL_FRACTION)


def _worth_an_event(state: dict, seeks_before: int, was_complete: bool, complete: bool) -> bool:
    """Progress reports are coalesced into Events: the first of a step, a refused skip ahead,
    the report that completes the video, and one per EVENT_EVERY_S of accepted progress
    (``reports`` says how many reports each Event stands for). The step's state keeps every
    report's effect; the Event log need not grow by a row every 2 s per participant."""
    return ("logged" not in state or state.get("seeks", 0) > seeks_before
            or complete != was_complete
            or state["until"] - state["logged"] >= EVENT_EVERY_S)


class Video(StepType):
    name = "video"
    spec = VideoSpec
    template = "studies/steps/video.html"
    events = {PROGRESS: ("position",)}
    summaries = {"videos_completed": False}

    def context(self, ctx):
        return {"video_src": ctx.files.video_relative(ctx.step),
                "duration": ctx.files.video_duration(ctx.step),
                "watched_before": bool(ctx.state.get("done")),
                "report_every_s": REPORT_EVERY_S,
                "resume_at": float(ctx.state.get("until", 0.0))}

    def submit(self, ctx, data):
        if not watched(ctx):
            raise Invalid({"page": "Please watch the whole video before you continue."})
        ctx.state["done"] = True
        done = set(ctx.participant.state.get("_videos_done", [])) | {ctx.step.id}
        ctx.participant.state["_videos_done"] = sorted(done)
        return Next()

    def summary(self, step, records):
        """Watched to the end (at least once)."""
        return {"videos_completed": step.id in records.participant.state.get("_videos_done", [])}

    def event(self, ctx, kind, data):
        position = number(data.get("position"))
        if position is None:
            raise Invalid({"position": "bad video report"})
        seeks, was_complete = ctx.state.get("seeks", 0), watched(ctx)
        state = record_progress(ctx, position)
        complete = watched(ctx)
        state["reports"] = state.get("reports", 0) + 1
        if _worth_an_event(state, seeks, was_complete, complete):
            ctx.log(PROGRESS, client_ms=number(data.get("t"), 1e14), position=position,
                    accepted=state["until"], reports=state["reports"], complete=complete)
            state["logged"], state["reports"] = state["until"], 0
        return {"accepted": state["until"], "complete": complete}

    def shows(self, step, files, condition, variant):
        return {files.video_relative(step)}, set()

    def problems(self, step, files):
        path, shown = files.video_path(step), files.video_relative(step)
        if path is None or not path.is_file():
            return [f"{step.id}: video {shown} is missing under MEDIA_ROOT"]
        if files.video_duration(step) is None:
            return [f"{step.id}: cannot measure the duration of {shown} "
                    "(install ffprobe or give duration_s)"]
        return []

    def bot_play(self, bot, step, *, correct=True, **how):
        """Watch to the end (``bot.watch_video()``: progress beacons), then continue."""
        bot.watch_video()
        super().bot_play(bot, step, correct=correct)
