"""A continuous rating on a slider, optionally of images shown above it: the intuitiveness trials
of Borowski et al. (ICLR 2021, Appendix A.1.1, Fig. 14), "How intuitive do you find the
explanation of these optimized images for the given natural images?", rated from -100 (not
intuitive) to +100 (intuitive) by moving a slider.

The spec names the scale (``min``, ``max``, ``step``, where the thumb ``start``\\ s), the labels
of some of its points (``anchors``), the groups of images rated (``images``: each a label and
its images, given as in a 2AFC trial: a file under MEDIA_ROOT or a cell of a rendered stimulus)
and whether the participant must move the slider before the answer is taken
(``require_move``, default true: a slider left where it started is no rating). The answer is
one export row (``item_type`` ``slider``, ``response`` the value); every movement is an Event
``slider_moved`` with its value. The native range input is keyboard accessible (arrow keys,
Page Up/Down, Home/End) and says its value, with the anchor's label at an anchor (``aria-valuetext``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..export_contract import ItemType
from ..spec.two_afc import Reference, read_image
from .base import StepSpec, StepType, client_ms, image_problem, number
from .outcomes import Invalid, Next

GRID_TOLERANCE = 1e-6


def on_grid(value: float, low: float, step: float) -> bool:
    k = (value - low) / step
    return abs(k - round(k)) < GRID_TOLERANCE


def fmt(value: float) -> str:
    """A scale value as the export writes it: integers without a decimal point."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass
class SliderSpec(StepSpec):
    question: str = ""
    intro: str = ""
    min: float = -100.0
    max: float = 100.0
    step: float = 1.0
    start: float = 0.0
    anchors: dict[float, str] = field(default_factory=dict)
    images: list[Reference] = field(default_factory=list)
    require_move: bool = True
    item: str = ""
    default_title = "Your rating"

    @classmethod
    def read_fields(cls, r, ctx):
        low, high = r.number("min", cls.min), r.number("max", cls.max)
        step = r.number("step", cls.step)
        ok = low is not None and high is not None
        if ok and high <= low:
            r.error("max", f"must be larger than min ({fmt(low)})")
            ok = False
        if step is not None and step <= 0:
            r.error("step", f"must be positive, got {fmt(step)}")
        elif ok and step is not None and not on_grid(high, low, step):
            r.error("step", f"max - min ({fmt(high - low)}) must be a whole number of steps "
                            f"of {fmt(step)}")
        start = r.number("start", (low + high) / 2 if ok else 0.0)
        if ok and start is not None and not low <= start <= high:
            r.error("start", f"must lie between min and max, got {fmt(start)}")
        anchors = {}
        for key, label in r.mapping("anchors", {}).items():
            value = key if isinstance(key, int | float) and not isinstance(key, bool) else None
            if value is None or not isinstance(label, str) or not label.strip():
                r.error("anchors", f"{key!r}: an anchor is a scale value with a non-empty label")
            elif ok and not low <= value <= high:
                r.error("anchors", f"{key!r} lies outside min..max")
            else:
                anchors[float(value)] = label
        images = []
        for j, node in enumerate(r.list("images", [])):
            g = r.item("images", j, node)
            nodes = g.list("images")
            if "images" in g.node and not nodes:
                g.error("images", "a group of rated images needs at least one image")
            images.append(Reference(g.str("label", ""), [
                read_image(g, im, g.sub(f"images[{k}]"), nodes, k) for k, im in enumerate(nodes)]))
            g.finish()
        return {"question": r.str("question"), "intro": r.str("intro", ""), "min": low,
                "max": high, "step": step, "start": start, "anchors": dict(sorted(anchors.items())),
                "images": images, "require_move": r.bool("require_move", True),
                "item": r.str("item", r.node.get("id"), slug=True)}

    def items(self):
        return [self.item]

    def anchor_at(self, value: float) -> str:
        """The label of the anchor at ``value`` ('' where there is none)."""
        return next((label for v, label in self.anchors.items()
                     if abs(v - value) < GRID_TOLERANCE), "")


def rating_value(step: SliderSpec, data) -> float:
    """The posted ``rating`` on the step's scale and grid (raises Invalid, also while the
    slider was not moved where it must be)."""
    try:
        value = float(data.get("rating", ""))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and step.min <= value <= step.max
            and on_grid(value, step.min, step.step)):
        raise Invalid({"rating": f"Please choose a value from {fmt(step.min)} to "
                                 f"{fmt(step.max)} with the slider."})
    if step.require_move and data.get("moved") != "1":
        raise Invalid({"rating": "Please move the slider to your rating."})
    return value


class Slider(StepType):
    name = "slider"
    spec = SliderSpec
    template = "studies/steps/slider.html"
    item_types = (ItemType.SLIDER,)
    events = {"slider_moved": ("value",)}

    def context(self, ctx):
        step, url = ctx.step, ctx.files.image_url
        span = step.max - step.min
        return {"groups": [(g.label, [url(i) for i in g.images]) for g in step.images],
                "low": fmt(step.min), "high": fmt(step.max), "step_size": fmt(step.step),
                "start": fmt(step.start), "start_text": step.anchor_at(step.start),
                "anchors": [(fmt(v), label, round(100 * (v - step.min) / span, 2))
                            for v, label in step.anchors.items()]}

    def event(self, ctx, kind, data):
        # a movement's value may be negative (the paper's scale is -100..100)
        try:
            value = float(data.get("value"))
        except (TypeError, ValueError):
            raise Invalid({"value": "'slider_moved' needs a number 'value'"}) from None
        if not math.isfinite(value):
            raise Invalid({"value": "'slider_moved' needs a finite 'value'"})
        ctx.log(kind, client_ms=number(data.get("t"), 1e14), value=value)
        return {}

    def submit(self, ctx, data):
        step = ctx.step
        value = rating_value(step, data)
        ctx.store(ItemType.SLIDER, step.item, fmt(round(value, 9)),
                  rt_ms=client_ms(data, "rt_ms"))
        return Next()

    def shows(self, step, files, condition, variant):
        media, stimuli = set(), set()
        for image in (i for g in step.images for i in g.images):
            if image.file:
                media.add(image.file)
            else:
                stimuli.add(image.key or (image.condition, image.variant))
        return media, stimuli

    def problems(self, step, files):
        out = []
        for image in (i for g in step.images for i in g.images):
            if found := image_problem(image, files):
                kind, wrong = found
                out.append(f"{step.id}: rated images not rendered yet: {wrong}"
                           if kind == "stimulus" else f"{step.id}: {wrong}")
        return out

    def bot_answer(self, bot, step, *, correct=True):
        """Three quarters of the way up the scale, on the grid."""
        steps = round(0.75 * (step.max - step.min) / step.step)
        return {"rating": fmt(step.min + steps * step.step), "moved": "1", "rt_ms": "4200"}

    def bot_play(self, bot, step, *, correct=True, **how):
        form = bot.form()
        answer = bot.answer(step, correct=correct)
        bot.clock.advance(4.5)
        bot.beacon("slider_moved", value=answer["rating"], t="1763856000000")
        bot.post(answer, form)
