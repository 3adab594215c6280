"""A block of short 2AFC trials (Borowski et al. 2021): one POST per trial with the chosen
option, a confidence rating and the client-side reaction time; the server measures its own
reaction time from the trial's first display. Practice trials first, then main and catch trials
(shuffled per participant when ``shuffle``); feedback after practice trials (or all/none)."""

from __future__ import annotations

import random
from datetime import datetime

from django.urls import reverse

from ..stimuli import manifest, verified_manifest
from ..trials import trials_of
from .base import Page, StepContext, client_ms
from .outcomes import Invalid, Next, Stay


def order(ctx: StepContext) -> list[int]:
    state = ctx.state
    if "order" not in state:
        trials = trials_of(ctx.spec, ctx.step)
        practice = [i for i, t in enumerate(trials) if t.kind == "practice"]
        rest = [i for i, t in enumerate(trials) if t.kind != "practice"]
        if ctx.step.shuffle:
            random.Random(f"{ctx.participant.public_id}:{ctx.step.id}").shuffle(rest)
        state["order"] = practice + rest
    return state["order"]


def image_url(ctx: StepContext, ref) -> str:
    """URL of a trial image: a file under MEDIA_ROOT or a cell of a published stimulus."""
    slug = ctx.study.slug
    if ref.file:
        return reverse("studies:asset", args=[slug, ref.file])
    m = verified_manifest(ref.key) if ref.key else manifest(ctx.spec, ref.condition, ref.variant)
    cell = next(c for c in m["cells"] if (c["row"], c["col"]) == (ref.row, ref.col))
    return reverse("studies:stimulus", args=[slug, m["key"], cell["file"]])


class TrialBlock(Page):
    template = "studies/steps/trials.html"

    def context(self, ctx: StepContext) -> dict:
        seq, state = order(ctx), ctx.state
        pos = state.get("pos", 0)
        state.setdefault("shown", {}).setdefault(str(pos), ctx.now.isoformat())
        trial = trials_of(ctx.spec, ctx.step)[seq[pos]]
        return {"trial": trial, "pos": pos,
                "options": [image_url(ctx, o) for o in trial.options],
                "references": [(r.label, [image_url(ctx, i) for i in r.images])
                               for r in trial.references], "total": len(seq), "feedback": state.get("feedback"),
                "progress_pct": round(100 * pos / len(seq)),
                "confidence": list(enumerate(ctx.step.confidence_labels, start=1))}

    def submit(self, ctx: StepContext, data):
        seq, state = order(ctx), ctx.state
        pos = state.get("pos", 0)
        if data.get("trial") != str(pos):
            raise Invalid({"page": "This trial was already answered."})
        choice, _, conf = data.get("pick", "").partition("-")  # "<option>-<confidence>"
        levels = len(ctx.step.confidence_labels)
        if choice not in ("0", "1") or not (conf.isascii() and conf.isdigit()) or not 1 <= int(conf) <= levels:
            raise Invalid({"choice": "Please click a confidence level under one of the images."})
        trial = trials_of(ctx.spec, ctx.step)[seq[pos]]
        shown = datetime.fromisoformat(state.get("shown", {}).get(str(pos), ctx.now.isoformat()))
        correct = int(choice) == trial.answer
        ctx.store("trial", trial.id, choice, answer_key=str(trial.answer), correct=correct,
                  rt_ms=client_ms(data, "rt_ms"), trial=pos, trial_kind=trial.kind,
                  rt_server_ms=(ctx.now - shown).total_seconds() * 1000.0,
                  extra={"confidence": int(conf),
                         "options": [o.label for o in trial.options]})
        if trial.kind == "main":
            ctx.participant.correct_answers += correct
        show = ctx.step.feedback == "all" or (ctx.step.feedback == "practice"
                                              and trial.kind == "practice")
        state["feedback"] = {"correct": correct, "answer": trial.answer} if show else None
        state["pos"] = pos + 1
        return Stay() if pos + 1 < len(seq) else Next()
