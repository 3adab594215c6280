"""The interactive explorer (seed ``interactive-decision-boundaries.txt``, Figure 7): scenes
sorted by the model's score with the score on top of each; the participant selects one and
changes it by taking a factor group (body, appearance, scene) from another scene or moving it
part of the way there, with a preview and its score for every group and other scene; reset,
undo and a short history. Below, the same five relevance questions with justification as the
static explanation page (``stimulus_questions``: this spec extends its spec, so the answers are
stored, scored, simulated and checked against the preregistration alike).

The page's actions go to ``POST /s/<slug>/explore/`` (``studies.explorer.endpoint``), which
keeps the session's state, renders and scores in the web worker and logs every action
(``studies.models.ExplorerAction``). The scenes are drawn from the step's sampler and seed, the
same for every participant. YAML::

    - id: explanation
      type: explorer
      scenes: {sampler: study, seed: 7, count: 6}
      answer_key_from: checkpoints/study/ground_truth.json   # or answer_key: {...}
      by_condition:
        baseline: {interactive: false}   # this condition sees its static explanation instead

With ``interactive: false`` the step is the static explanation page (``stimulus_questions``,
grid layout) with the same questions, so one study compares the explorer with static
conditions on the same step (a step's type cannot change per condition).
"""

from __future__ import annotations

from dataclasses import dataclass

from explainers.explorer import FACTOR_GROUPS, GROUP_LABELS

from ..explorer import session
from ..explorer.pictures import picture
from ..explorer.scenes import checkpoint_of, scenes_of, scorer_of
from ..explorer.warm import warm_in_background
from .stimulus_questions import RELEVANCE, StimulusQuestions, StimulusQuestionsSpec

MOST_SCENES = 12
BOT_ACTIONS = (  # what a bot does before answering: every kind of action once at least
    {"action": "select", "index": "0"},
    {"action": "preview", "group": "body", "source": "1"},
    {"action": "preview", "group": "appearance", "source": "1"},
    {"action": "preview", "group": "scene", "source": "1", "t": "0.5"},
    {"action": "mix", "group": "body", "source": "1"},
    {"action": "interpolate", "group": "scene", "source": "1", "t": "0.5"},
    {"action": "undo"},
    {"action": "reset"},
)


@dataclass
class ExplorerSpec(StimulusQuestionsSpec):
    interactive: bool = True
    sampler: str = "study"
    seed: int = 0
    scene_count: int = 6
    default_title = "Explore the system"

    @property
    def shows_stimulus(self) -> bool:
        return not self.interactive

    @classmethod
    def read_fields(cls, r, ctx):
        if r.raw("layout", None) is not None:
            r.error("layout", "an explorer has no layout (it shows its own scenes)")
        fields = super().read_fields(r, ctx)
        fields.pop("layout", None)
        from explainers.synthetic import SAMPLERS

        scenes = r.child("scenes")
        fields["sampler"] = scenes.str("sampler", "study", choices=tuple(SAMPLERS))
        fields["seed"] = scenes.int("seed", minimum=0)
        count = scenes.int("count", 6, minimum=2)
        if count is not None and count > MOST_SCENES:
            scenes.error("count", f"must be at most {MOST_SCENES}, got {count}")
        fields["scene_count"] = count
        scenes.finish()
        fields["interactive"] = r.bool("interactive", True)
        return fields


class Explorer(StimulusQuestions):
    name = "explorer"
    spec = ExplorerSpec
    template = "studies/steps/explorer.html"
    item_types = ("relevance",)

    def context(self, ctx):
        if not ctx.step.interactive:
            return super().context(ctx)
        scorer = scorer_of(ctx.spec)
        scenes = scenes_of(ctx.step)
        shown = []
        for index, probe in enumerate(scorer.probe_many(scenes, pin=True)):
            shown.append({"index": index, "number": index + 1, "score": round(probe.score, 4),
                          "image": picture(probe)["image"]})
        shown.sort(key=lambda s: -s["score"])  # sorted by the model's score, as in Figure 7
        warm_in_background(scorer, ctx.step, scenes, [s["index"] for s in shown])
        state = ctx.participant.state.get(ctx.step.id, {})  # read only: the endpoint writes it
        current = None
        if state.get("current") is not None:
            current = {"ok": True, **picture(scorer.probe(state["current"])),
                       "selected": state["selected"], "history": session.short_history(state),
                       "can_undo": bool(state.get("history"))}
        return {"scenes": shown, "relevance": RELEVANCE,
                "groups": [{"id": g, "label": GROUP_LABELS[g]} for g in FACTOR_GROUPS],
                "explorer_config": {
                    "scenes": [{"index": s["index"], "number": s["number"]} for s in shown],
                    "groups": [{"id": g} for g in FACTOR_GROUPS], "current": current}}

    def shown(self, ctx) -> str:
        step = ctx.step
        if not step.interactive:
            return super().shown(ctx)
        return f"explorer:{step.sampler}:{step.seed}:{step.scene_count}"

    def shows(self, step, files, condition, variant):
        if files.spec.step(step.index, condition).interactive:
            return set(), set()
        return super().shows(step, files, condition, variant)

    def problems(self, step, files):
        out = [f"{step.id}: {wrong}"] if (wrong := files.answer_key_problem(step)) else []
        for condition, variants in files.variants().items():
            if files.spec.step(step.index, condition).interactive:
                continue
            for v in variants:
                if wrong := files.stimulus_problem(condition, v):
                    out.append(f"stimulus {condition}/{v}: {wrong}")
                    break
        from explainers.models.checkpoint import CheckpointError, read_bundle

        try:
            read_bundle(checkpoint_of(files.spec))
        except CheckpointError as exc:
            out.append(f"{step.id}: the explorer's model cannot be loaded: {exc}")
        return out

    def bot_play(self, bot, step, *, correct: bool = True, **how) -> None:
        """Explore as a participant would (every kind of action, a few seconds apart), then
        answer the questions."""
        form = bot.form()
        if not step.interactive:
            bot.post(bot.answer(step, correct=correct), form)
            return
        url = f"/s/{bot.study.slug}/explore/"
        for fields in BOT_ACTIONS:
            bot.clock.advance(3)
            answer = bot.client.post(url, {**form, **fields})
            if answer.status_code != 200:
                raise AssertionError(f"explorer bot: {fields} answered {answer.status_code}: "
                                     f"{answer.content[:200]!r}")
        bot.post(bot.answer(step, correct=correct), form)

