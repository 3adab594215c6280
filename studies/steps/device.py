"""Device check: the viewport, measured in the browser, must reach ``min_px`` in width or height
(paper, Appendix D: at least a tablet, 600 px)."""

from __future__ import annotations

from .base import Page, StepContext
from .outcomes import Invalid, Next, ScreenOut


def _px(data, name: str) -> int | None:
    value = data.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 100_000 \
        else None


class DeviceCheck(Page):
    template = "studies/steps/device_check.html"

    def submit(self, ctx: StepContext, data):
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
