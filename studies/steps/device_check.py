"""Device check: the viewport, measured in the browser, must reach ``min_px`` in width or height
(paper, Appendix D: at least a tablet, 600 px)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import StepSpec, StepType
from .outcomes import Invalid, Next, ScreenOut


@dataclass
class DeviceCheckSpec(StepSpec):
    min_px: int = 600
    default_title = "Device check"

    @classmethod
    def read_fields(cls, r, ctx):
        return {"min_px": r.int("min_px", ctx["device_min_px"], minimum=1)}


def _px(data, name: str) -> int | None:
    value = data.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 100_000 \
        else None


class DeviceCheck(StepType):
    name = "device_check"
    spec = DeviceCheckSpec
    template = "studies/steps/device_check.html"

    def submit(self, ctx, data):
        width, height = _px(data, "viewport_width"), _px(data, "viewport_height")
        if width is None or height is None:
            raise Invalid({"page": "Your browser did not report its window size. "
                                      "Please enable JavaScript and try again."})
        p = ctx.participant
        p.viewport_width, p.viewport_height = width, height
        p.device_ok = max(width, height) >= ctx.step.min_px
        if not p.device_ok:
            return ScreenOut(f"screen too small ({width}x{height} px; at least "
                             f"{ctx.step.min_px} px in width or height needed)", "device")
        return Next()

    def end_note(self, participant, step):
        p = participant
        measured = (f"; your browser window measured {p.viewport_width} × {p.viewport_height} "
                    "pixels" if p.viewport_width and p.viewport_height else "")
        return (f"Your screen is too small for this study: it needs a window at least "
                f"{step.min_px} pixels wide or high, such as a tablet or a computer{measured}.")

    def bot_answer(self, bot, step, *, correct=True):
        return {"viewport_width": "1280", "viewport_height": "800"}
