"""Borowski et al.'s intuitiveness trials (ICLR 2021, Appendix A.1.1, Fig. 14): the units of a
generated CNN-unit trial block (``generate: {source: cnn_units}``), each rated on a slider from
-100 (not intuitive) to +100 (intuitive) on a page of its own, "How intuitive do you find the
explanation of these optimized images for the given natural images?".

As in the paper, a page shows only *maximally* activating images of one unit: its synthetic
feature visualisations (render kind ``unit_synthetic``, row 0) above its natural exemplars
(``unit_natural``, batch 0's references, the same for every participant); every participant
rates the same ``units`` in an order of their own (``shuffle``, default true). The images are
the block's own stimuli, rendered with its settings (model, steps, size, natural source) by
``render_stimuli``, content-addressed, served cell by cell to participants whose pages show them;
readiness lists them until they are published, and any unit that is also one of the block's
trial units (main, practice or catch: the paper rates units of their own).

``block`` names the trial block; whether the ratings come ``before`` or ``after`` it is where
the step stands (the export's ``when``). The scale keys are the slider step's (``min``, ``max``,
``step``, ``start``, ``anchors``, ``require_move``); ``image_labels`` captions the image groups
(one per ``show`` entry; default "Optimized images", "Natural images"), and with ``question``,
``intro`` and ``title`` it is wording a ``by_group`` may change (the shipped specs give lay
participants the paper's "favorite images", A.1.1); ``images`` and ``item`` are not keys here
(the images are the units', and each rating's ``item`` is its unit). Each rating is one export
row: ``item_type`` ``slider``, ``item`` and ``unit`` the unit (``layer:channel``), ``when``,
``response`` the value; each movement an Event ``slider_moved``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from ..export_contract import ItemType
from ..spec.unit_trials import UNIT
from .base import StimulusCell, client_ms
from .outcomes import Invalid, Next, Stay
from .slider import Slider, SliderSpec, fmt, rating_value

SHOWN = ("synthetic", "natural")
LABELS = {"synthetic": "Optimized images", "natural": "Natural images"}


@dataclass
class IntuitivenessSpec(SliderSpec):
    block: str = ""
    units: list[tuple[str, int]] = field(default_factory=list)
    show: list[str] = field(default_factory=lambda: list(SHOWN))
    shuffle: bool = True
    image_labels: list[str] = field(default_factory=lambda: [LABELS[k] for k in SHOWN])
    # set by ``link`` from the named block: "before" / "after" it, and its generate settings
    when: str = ""
    block_generate: dict = field(default_factory=dict)
    default_title = "How intuitive?"

    @classmethod
    def read_fields(cls, r, ctx):
        for key in ("images", "item"):
            if key in r.node:
                r.error(key, "is not a key of an intuitiveness step (it rates the images of "
                             "its 'units'; each rating's item is its unit)")
        out = super().read_fields(r, ctx)
        out.pop("images"), out.pop("item")
        units = []
        for i, item in enumerate(r.list("units")):
            m = UNIT.match(str(item))
            if not m:
                r.error("units", f"item {i} {item!r} is not 'layer:channel'")
            elif (m.group(1), int(m.group(2))) in units:
                r.error("units", f"{item!r} is listed twice")
            else:
                units.append((m.group(1), int(m.group(2))))
        if isinstance(r.node.get("units"), list) and not r.node["units"]:
            r.error("units", "name at least one unit ('layer:channel')")
        show = [str(x) for x in r.list("show", list(SHOWN))]
        for kind in show:
            if kind not in SHOWN:
                r.error("show", f"{kind!r} is not an image type ({', '.join(SHOWN)})")
        if not show or len(set(show)) != len(show):
            r.error("show", "list each image type once")
        labels = [str(x) for x in r.list("image_labels", [LABELS.get(k, k) for k in show])]
        if len(labels) != len(show) or not all(x.strip() for x in labels):
            r.error("image_labels", f"give one non-empty caption per shown image type "
                                    f"({', '.join(show)}), got {len(labels)}")
        return {**out, "block": r.str("block", slug=True), "units": units, "show": show,
                "shuffle": r.bool("shuffle", True), "image_labels": labels}

    def items(self):
        return [unit_name(u) for u in self.units]

    def link(self, steps):
        block = next((s for s in steps if s.id == self.block), None)
        generate = getattr(block, "generate", None) or {}
        if generate.get("source") != "cnn_units":
            return [f"block: {self.block!r} is not a trial block with 'generate: {{source: "
                    f"cnn_units}}' (its settings render the rated units' images)"]
        if "synthetic" in self.show and "synthetic" not in generate["references"]:
            return [f"show: block {self.block!r} renders no synthetic images (references "
                    f"{generate['references']})"]
        self.when = "before" if self.index < block.index else "after"
        self.block_generate = generate
        picked = [unit_name(u) for u in self.units if u in generate["units"]["hand_picked"]]
        if picked:
            return [f"units: {', '.join(picked)} are hand-picked trial units of block "
                    f"{self.block!r}; the intuitiveness trials rate units of their own"]
        return []


def unit_name(unit: tuple[str, int]) -> str:
    return f"{unit[0]}:{unit[1]}"


def order(ctx) -> list[str]:
    """The units in the order this participant rates them (kept in the step's state)."""
    state, step = ctx.state, ctx.step
    if "order" not in state:
        units = [unit_name(u) for u in step.units]
        if step.shuffle:
            random.Random(f"{ctx.participant.public_id}:{step.id}").shuffle(units)
        state["order"] = units
    return state["order"]


class Intuitiveness(Slider):
    name = "intuitiveness"
    spec = IntuitivenessSpec
    template = "studies/steps/slider.html"

    def context(self, ctx):
        out = super().context(ctx)
        units, state, url = order(ctx), ctx.state, ctx.files.image_url
        pos = state.get("pos", 0)
        state.setdefault("shown", {}).setdefault(str(pos), ctx.now.isoformat())
        images = ctx.files.rated_images(ctx.step, units[pos])
        out["groups"] = [(label, [url(i) for i in images[kind]])
                         for kind, label in zip(ctx.step.show, ctx.step.image_labels, strict=True)]
        return {**out, "rating_pos": pos, "rating_total": len(units)}

    def submit(self, ctx, data):
        units, state, step = order(ctx), ctx.state, ctx.step
        pos = state.get("pos", 0)
        if data.get("pos") != str(pos):
            raise Invalid({"page": "This rating was already given."})
        value = rating_value(step, data)
        shown = datetime.fromisoformat(state.get("shown", {}).get(str(pos), ctx.now.isoformat()))
        ctx.store(ItemType.SLIDER, units[pos], fmt(round(value, 9)),
                  rt_ms=client_ms(data, "rt_ms"),
                  rt_server_ms=(ctx.now - shown).total_seconds() * 1000.0,
                  extra={"factors": {"unit": units[pos], "when": step.when}, "position": pos,
                         "shown": [i.shown for kind in step.show
                                   for i in ctx.files.rated_images(step, units[pos])[kind]]})
        state["pos"] = pos + 1
        return Stay() if pos + 1 < len(units) else Next()

    def shows(self, step, files, condition, variant):
        cells = set()  # only the cells its pages show (not the min images, not the grid)
        for unit in step.units:
            for refs in files.rated_images(step, unit_name(unit)).values():
                cells |= {StimulusCell(ref.key, ref.row, ref.col) for ref in refs}
        return set(), cells

    def problems(self, step, files):
        try:
            out = [f"{step.id}: {p}" for p in files.rating_problems(step)]
            keys = sorted({c.stimulus for c in self.shows(step, files, "", 0)[1]})
        except (ValueError, LookupError, OSError, RuntimeError) as exc:
            return [f"{step.id}: cannot plan the rated units' images: {exc}"]
        missing = [wrong for key in keys if (wrong := files.published_problem(key))]
        if missing:
            more = f" (and {len(missing) - 1} more stimuli)" if len(missing) > 1 else ""
            out.append(f"{step.id}: rated images not rendered yet (run render_stimuli): "
                       f"{missing[0]}{more}")
        return out

    def bot_answer(self, bot, step, *, correct=True):
        state = bot.participant.state.get(step.id, {})
        return {**super().bot_answer(bot, step, correct=correct),
                "pos": str(state.get("pos", 0))}

    def bot_play(self, bot, step, *, correct=True, ratings=None, **how):
        """Rate every unit; ``ratings(step_id, unit)`` gives a value (default: the slider's
        bot answer, three quarters up the scale)."""
        while bot.current_step().id == step.id and bot.participant.is_active:
            form = bot.form()
            answer = bot.answer(step, correct=correct)
            if ratings:
                unit = bot.participant.state[step.id]["order"][int(answer["pos"])]
                answer["rating"] = fmt(ratings(step.id, unit))
            bot.clock.advance(4.5)
            bot.beacon("slider_moved", value=answer["rating"], t="1763856000000")
            bot.post(answer, form)
