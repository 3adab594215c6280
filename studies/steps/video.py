"""Tutorial video that must be watched to the end.

The player (static/studies/video.js) blocks seeking ahead and posts its position every few
seconds. The server accepts a position only as far as the wall-clock time since the last report
allows, plus a slack that is shared by all reports (a leaky bucket: what a report is credited
beyond the wall time since the previous one is owed until wall time catches up), so forged,
skipped-ahead or bursts of reports do not count; Continue is accepted once
the accepted position reaches the end AND the wall time on the step covers the video's duration.
A video watched completely once (e.g. before a failed comprehension gate) may be skipped through.
"""

from __future__ import annotations

from datetime import datetime

from ..media import video_duration, video_relative
from .base import Page, StepContext
from .outcomes import Invalid, Next

SLACK_S = 2.0        # allowed lead of the accepted position over the wall time (all reports)
RATE = 1.25          # and the allowed playback speed
END_TOLERANCE_S = 1.0
WALL_FRACTION = 0.9  # wall time on the step must cover this share of the duration


def record_progress(ctx: StepContext, position: float) -> dict:
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
    duration = video_duration(ctx.step) or 0.0
    if duration and state["until"] >= duration - END_TOLERANCE_S:
        state["until"] = max(state["until"], duration)
    return state


def watched(ctx: StepContext) -> bool:
    state = ctx.state
    if state.get("done"):
        return True
    duration = video_duration(ctx.step)
    if not duration:
        return False
    return (float(state.get("until", 0.0)) >= duration - END_TOLERANCE_S
            and ctx.elapsed_s >= duration * WALL_FRACTION)


class Video(Page):
    template = "studies/steps/video.html"

    def context(self, ctx: StepContext) -> dict:
        return {"video_src": video_relative(ctx.step), "duration": video_duration(ctx.step),
                "watched_before": bool(ctx.state.get("done")),
                "resume_at": float(ctx.state.get("until", 0.0))}

    def submit(self, ctx: StepContext, data):
        if not watched(ctx):
            raise Invalid({"page": "Please watch the whole video before you continue."})
        ctx.state["done"] = True
        done = set(ctx.participant.state.get("_videos_done", [])) | {ctx.step.id}
        ctx.participant.state["_videos_done"] = sorted(done)
        video_ids = {s.id for s in ctx.spec.steps if s.type == "video"}
        ctx.participant.videos_completed = video_ids <= done
        return Next()
