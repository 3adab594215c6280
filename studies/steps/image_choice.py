"""A question about a shown image with a right answer, one page per image drawn from the spec's
image folder: "Which animal will the system say this is?" (forward prediction: the answer key
is the model's output) or "Which animal is this?" (the CSV label, or a per-image attribute).

YAML::

    - id: predict
      type: image_choice
      question: "What will the system say this image shows?"
      choices: [cat, dog]      # optional: every value the key takes (the class names for
                               # label and model, a column's values)
      feedback: none           # or all: right/wrong after each page
      generate: {source: image_folder, images: 8, key: model, seed: 0, size: 128}

``key`` is ``label`` (the CSV label), ``model`` (the class the spec's model predicts, computed
when the images are rendered and read from the published stimulus) or a column of the CSV. The
images, their keys and the render job are ``studies.image_choice``'s; ``load_study`` refuses a
missing column, an empty cell (its CSV row), a choice that is not a value of the key, an image
whose key is not among the choices and ``key: model`` without a model bundle, with key and line.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..export_contract import ItemType
from .base import StepSpec, StepType, StimulusCell, client_ms
from .outcomes import Invalid, Next, Stay

SOURCES = ("image_folder",)


@dataclass
class ImageChoiceSpec(StepSpec):
    question: str = ""
    instructions: str = ""
    choices: list[str] = field(default_factory=list)
    feedback: str = "none"
    shuffle: bool = True
    choice_generate: dict = field(default_factory=dict)
    default_title = "What does the system say?"

    @classmethod
    def read_fields(cls, r, ctx):
        choices = r.list("choices", [])
        if choices and (len(choices) < 2 or not all(
                isinstance(c, str | int | float) and not isinstance(c, bool) and str(c).strip()
                for c in choices)):
            r.error("choices", "needs at least two non-empty texts or numbers")
        choices = [str(c).strip() for c in choices]
        if len(set(choices)) != len(choices):
            r.error("choices", "has duplicates")
        g = r.child("generate")
        generate = {"source": g.str("source", choices=SOURCES),
                    "images": g.int("images", 8, minimum=1), "key": g.str("key"),
                    "seed": g.int("seed", 0), "size": g.int("size", 128, minimum=32)}
        g.finish()
        return {"question": r.str("question"), "instructions": r.str("instructions", ""),
                "choices": choices,
                "feedback": r.str("feedback", "none", choices=("none", "all")),
                "shuffle": r.bool("shuffle", True), "choice_generate": generate}

    def items(self):
        return [f"image{i + 1}" for i in range(self.choice_generate["images"])]


def _order(ctx) -> list[int]:
    state = ctx.state
    if "order" not in state:
        seq = list(range(ctx.step.choice_generate["images"]))
        if ctx.step.shuffle:
            random.Random(f"{ctx.participant.public_id}:{ctx.step.id}").shuffle(seq)
        state["order"] = seq
    return state["order"]


class ImageChoice(StepType):
    name = "image_choice"
    spec = ImageChoiceSpec
    template = "studies/steps/image_choice.html"
    item_types = (ItemType.IMAGE_CHOICE,)
    summaries = {"correct_answers": 0}

    def context(self, ctx):
        seq, state = _order(ctx), ctx.state
        pos = state.get("pos", 0)
        state.setdefault("shown", {}).setdefault(str(pos), ctx.now.isoformat())
        ref = ctx.files.choice_image(ctx.step, seq[pos])
        return {"image": ctx.files.image_url(ref), "pos": pos, "total": len(seq),
                "choices": ctx.files.choice_options(ctx.step),
                "feedback": state.get("feedback"),
                "progress_pct": round(100 * pos / len(seq))}

    def submit(self, ctx, data):
        from datetime import datetime

        seq, state, step = _order(ctx), ctx.state, ctx.step
        pos = state.get("pos", 0)
        if data.get("page") != str(pos):
            raise Invalid({"page": "This image was already answered."})
        choice = data.get("choice", "")
        if choice not in ctx.files.choice_options(step):
            raise Invalid({"choice": "Please choose one of the answers."})
        index = seq[pos]
        key = ctx.files.choice_keys(step)[index]
        ref = ctx.files.choice_image(step, index)
        shown = datetime.fromisoformat(state.get("shown", {}).get(str(pos), ctx.now.isoformat()))
        ctx.store(ItemType.IMAGE_CHOICE, f"image{index + 1}", choice, answer_key=key,
                  correct=choice == key, rt_ms=client_ms(data, "rt_ms"), trial=pos,
                  rt_server_ms=(ctx.now - shown).total_seconds() * 1000.0,
                  extra={"shown": [ref.shown], "key": step.choice_generate["key"]})
        state["feedback"] = ({"correct": choice == key, "answer": key}
                             if step.feedback == "all" else None)
        state["pos"] = pos + 1
        return Stay() if pos + 1 < len(seq) else Next()

    def summary(self, step, records):
        """Images answered right."""
        return {"correct_answers": sum(bool(r.correct) for r in records.responses(step)
                                       if r.item_type == ItemType.IMAGE_CHOICE)}

    def shows(self, step, files, condition, variant):
        refs = [files.choice_image(step, i) for i in range(step.choice_generate["images"])]
        return set(), {StimulusCell(r.key, r.row, r.col) for r in refs}

    def problems(self, step, files):
        try:
            keys = files.choice_keys(step)
        except LookupError as exc:  # StimulusMissing: not rendered, or the folder changed
            return [f"{step.id}: {exc}"]
        options = files.choice_options(step)
        wrong = [k for k in keys if k not in options]
        if wrong:
            return [f"{step.id}: the model predicts {wrong[0]!r}, which is not among the "
                    f"choices ({', '.join(options)})"]
        return []

    def bot_play(self, bot, step, *, correct=True, trials=None, **how):
        """Answer every image: right, or the first other choice where not ``correct``;
        ``trials(step_id, index)`` (index: the image's place in the draw) says per image (an
        object with ``correct``, e.g. ``tests.bots.TrialAnswer``)."""
        while bot.current_step().id == step.id and bot.participant.is_active:
            form = bot.form()
            state = bot.participant.state[step.id]
            pos = state.get("pos", 0)
            key = bot.files.choice_keys(step)[state["order"][pos]]
            options = bot.files.choice_options(step)
            right = trials(step.id, state["order"][pos]).correct if trials else correct
            choice = key if right else next(c for c in options if c != key)
            bot.clock.advance(2.0)
            bot.post({"choice": choice, "page": str(pos), "rt_ms": "1800"}, form)
