"""A block of short 2AFC trials (Borowski et al. 2021): one POST per trial with the chosen
option, a confidence rating and the client-side reaction time; the server measures its own
reaction time from the trial's first display. Practice trials first, then main and catch trials
(shuffled per participant when ``shuffle``); feedback after practice trials (or all/none)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from ..export_contract import ItemType, TrialKind
from ..spec.two_afc import TrialSpec, read_generate, read_trial
from .base import StepSpec, StepType, StimulusCell, client_ms, image_problem
from .outcomes import Invalid, Next, Stay


@dataclass
class TrialBlockSpec(StepSpec):
    instructions: str = ""
    question: str = ""
    confidence_labels: list[str] = field(default_factory=list)
    reference_labels: list[str] = field(default_factory=list)  # [left, right]; []: the trials'
    feedback: str = "practice"
    shuffle: bool = True
    trials: list[TrialSpec] = field(default_factory=list)
    generate: dict = field(default_factory=dict)
    default_title = "Trials"

    @classmethod
    def read_fields(cls, r, ctx):
        labels = r.list("confidence_labels", ["not confident", "somewhat confident",
                                              "very confident"])
        trials = [read_trial(r, node, i) for i, node in enumerate(r.list("trials", []))]
        generate = read_generate(r)
        if not trials and not generate:
            r.error("trials", "a trial block needs 'trials' or 'generate'")
        reference_labels = [str(x) for x in r.list("reference_labels", [])]
        if reference_labels and len(reference_labels) != 2:
            r.error("reference_labels", "needs two labels, [left, right] (e.g. minimally and "
                                        "maximally activating)")
        return {"instructions": r.str("instructions", ""), "question": r.str("question"),
                "confidence_labels": [str(x) for x in labels],
                "reference_labels": reference_labels,
                "feedback": r.str("feedback", "practice", choices=("none", "practice", "all")),
                "shuffle": r.bool("shuffle", True), "trials": trials, "generate": generate}


def _trials(ctx) -> list:
    return ctx.files.trials(ctx.step, ctx.participant.variant or 0)


def order(ctx) -> list[int]:
    state = ctx.state
    if "order" not in state:
        trials = _trials(ctx)
        if ctx.files.keeps_order(ctx.step):  # a generated design's blocks, in their order
            state["order"] = list(range(len(trials)))
            return state["order"]
        practice = [i for i, t in enumerate(trials) if t.kind == TrialKind.PRACTICE]
        rest = [i for i, t in enumerate(trials) if t.kind != TrialKind.PRACTICE]
        if ctx.step.shuffle:
            random.Random(f"{ctx.participant.public_id}:{ctx.step.id}").shuffle(rest)
        state["order"] = practice + rest
    return state["order"]


def _images(trial) -> list:
    return [*trial.options, *(im for r in trial.references for im in r.images)]


def _block(ctx, seq: list[int], pos: int, trial) -> dict:
    """A generated design's block (``factors["block"]``): its number, the number of blocks,
    its reference condition and the progress within it (the paper's progress bar counts the
    trials of the current block)."""
    block = trial.factors.get("block")
    if block is None:
        return {}
    trials = _trials(ctx)
    blocks = [trials[i].factors.get("block") for i in seq]
    members = [k for k, b in enumerate(blocks) if b == block]
    done = sum(1 for k in members if k < pos)
    return {"design_block": {"number": block, "total": max(b for b in blocks if b is not None),
                      "reference": trial.factors.get("reference", "")},
            "progress_pct": round(100 * done / len(members))}


def _heading(step, side: int, reference) -> str:
    """A reference side's heading: the step's ``reference_labels`` (its wording, which may
    differ per participant group) where it has them, else the trial's own label."""
    if step.reference_labels and reference.label and side < 2:
        return step.reference_labels[side]
    return reference.label


class TrialBlock(StepType):
    name = "trial_block"
    spec = TrialBlockSpec
    template = "studies/steps/trials.html"
    item_types = (ItemType.TRIAL,)
    summaries = {"correct_answers": 0}

    def context(self, ctx):
        seq, state, url = order(ctx), ctx.state, ctx.files.image_url
        pos = state.get("pos", 0)
        state.setdefault("shown", {}).setdefault(str(pos), ctx.now.isoformat())
        trial = _trials(ctx)[seq[pos]]
        return {"trial": trial, "pos": pos,
                "options": [url(o) for o in trial.options],
                "references": [(_heading(ctx.step, k, r), [url(i) for i in r.images])
                               for k, r in enumerate(trial.references)],
                "total": len(seq), "feedback": state.get("feedback"),
                "progress_pct": round(100 * pos / len(seq)), **_block(ctx, seq, pos, trial),
                "confidence": list(enumerate(ctx.step.confidence_labels, start=1))}

    def submit(self, ctx, data):
        seq, state = order(ctx), ctx.state
        pos = state.get("pos", 0)
        if data.get("trial") != str(pos):
            raise Invalid({"page": "This trial was already answered."})
        choice, _, conf = data.get("pick", "").partition("-")  # "<option>-<confidence>"
        levels = len(ctx.step.confidence_labels)
        if choice not in ("0", "1") or not (conf.isascii() and conf.isdigit()) or \
                not 1 <= int(conf) <= levels:
            raise Invalid({"choice": "Please click a confidence level under one of the images."})
        trial = _trials(ctx)[seq[pos]]
        shown = datetime.fromisoformat(state.get("shown", {}).get(str(pos), ctx.now.isoformat()))
        correct = int(choice) == trial.answer
        ctx.store(ItemType.TRIAL, trial.id, choice, answer_key=str(trial.answer), correct=correct,
                  rt_ms=client_ms(data, "rt_ms"), trial=pos, trial_kind=trial.kind,
                  rt_server_ms=(ctx.now - shown).total_seconds() * 1000.0,
                  extra={"confidence": int(conf), "options": [o.label for o in trial.options],
                         "shown": [i.shown for i in _images(trial)],
                         **({"factors": trial.factors} if trial.factors else {})})
        show = ctx.step.feedback == "all" or (ctx.step.feedback == "practice"
                                              and trial.kind == TrialKind.PRACTICE)
        state["feedback"] = {"correct": correct, "answer": trial.answer} if show else None
        state["pos"] = pos + 1
        return Stay() if pos + 1 < len(seq) else Next()

    def summary(self, step, records):
        """Main trials answered right (practice and catch trials are not outcomes)."""
        return {"correct_answers": sum(bool(r.correct) for r in records.responses(step)
                                       if r.item_type == ItemType.TRIAL
                                       and r.trial_kind == TrialKind.MAIN)}

    def shows(self, step, files, condition, variant):
        media, stimuli = set(), set()
        for trial in files.trials(step, variant):
            for ref in _images(trial):
                if ref.file:
                    media.add(ref.file)
                else:  # only the cells its trials show (not another batch's, not the grid)
                    stimuli.add(StimulusCell(ref.key or (ref.condition, ref.variant), ref.row,
                                             ref.col))
        return media, stimuli

    def problems(self, step, files):
        out, missing, checked = [], [], set()
        variants = sorted({v for vs in files.variants().values() for v in vs}) or [0]
        try:
            trials = [t for v in variants for t in files.trials(step, v)]
        except LookupError as exc:  # StimulusMissing: e.g. an image folder that changed
            return [str(exc)]
        for ref in (ref for trial in trials for ref in _images(trial)):
            if (ref.file, ref.key, ref.condition, ref.variant) in checked:
                continue
            checked.add((ref.file, ref.key, ref.condition, ref.variant))
            if found := image_problem(ref, files):
                kind, wrong = found
                if kind == "stimulus":
                    missing.append(wrong)
                else:
                    out.append(f"{step.id}: {wrong}")
        if missing:
            more = f" (and {len(missing) - 1} more stimuli)" if len(missing) > 1 else ""
            out.append(f"{step.id}: trial images not rendered yet (run render_stimuli): "
                       f"{missing[0]}{more}")
        return out

    def bot_play(self, bot, step, *, correct=True, trials=None, **how):
        """Answer every trial; ``trials(step_id, trial)`` says how (an object with ``correct``,
        ``confidence``, ``seconds`` and ``rt_ms``, e.g. ``tests.bots.TrialAnswer``; default:
        right, confidence 2, 1.5 s, 1400 ms)."""
        while bot.current_step().id == step.id and bot.participant.is_active:
            form = bot.form()
            state = bot.participant.state[step.id]
            pos = state.get("pos", 0)
            trial = bot.files.trials(step, bot.participant.variant or 0)[state["order"][pos]]
            how = trials(step.id, trial) if trials else None
            right = how.correct if how else correct
            bot.clock.advance(how.seconds if how else 1.5)
            choice = trial.answer if right else 1 - trial.answer
            bot.post({"pick": f"{choice}-{how.confidence if how else 2}", "trial": str(pos),
                      "rt_ms": f"{how.rt_ms if how else 1400.0}"}, form)
