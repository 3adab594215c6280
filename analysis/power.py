"""Monte Carlo power of the preregistered tests, as a number of participants to *recruit*.

Per sample size, ``reps`` studies are simulated and analysed with the preregistration's own test
code (:data:`analysis.statistical_tests.TESTS`); power is the share of studies in which a hypothesis test came
out significant, with a Wilson 95 % interval for the Monte Carlo error. The sizes are participants
recruited (per condition in a between design, in total otherwise); each recruited participant is
analysed with probability ``attrition.keep`` (stated, or the share kept in a pilot export), so the
analysed numbers vary between simulated studies as they would in the field.

The effect sizes are required: every (condition, attribute) accuracy for the relevance designs;
for trial (2AFC) designs the probability of a correct trial per level of the one compared
within-participant factor (condition, or e.g. the trial block ``step`` of an export). The answers
of all replicates are drawn at once with numpy; only the planned tests run once per replicate, on
a participant-level table (scores, or per-participant trial means) instead of the tidy export.
:func:`replicate_tidy` writes one replicate as tidy export rows, so a test can check that the
full pipeline (``prepare`` + the plan) gives the same results on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from studies.export_contract import ItemType, Relevance, SessionStatus

from . import exclusions, tidy
from .prereg import Preregistration
from .results import AnalysisError
from .statistical_tests import TESTS
from .study_data import StudyData, required_columns

NOT_HYPOTHESIS_TESTS = {"decision", "Shapiro-Wilk", "Levene"}
RELEVANCE_KINDS = {"between_conditions", "mcnemar", "attribute_comparisons"}
TRIAL_KINDS = {"wilcoxon", "rm_anova"}
SKIPPED_KINDS = {"describe", "catch_summary", "by_answer", "dot_plot", "difference_plot"}  # descriptive: nothing to be significant


@dataclass(frozen=True)
class Attrition:
    """Share of recruited participants that is analysed, and where that share comes from."""

    keep: float
    source: str

    @classmethod
    def stated(cls, rate: float) -> Attrition:
        if not 0 <= rate < 1:
            raise AnalysisError(f"--exclusion-rate {rate}: a share in [0, 1)")
        return cls(keep=1 - rate, source=f"stated exclusion rate {rate:.0%}")

    @classmethod
    def from_pilot(cls, raw: pd.DataFrame, prereg: Preregistration, *, name: str) -> Attrition:
        """The share of pilot sessions that meets no preregistered exclusion rule."""
        if raw.empty:
            raise AnalysisError(f"pilot {name}: the file has no rows")
        frame = tidy.apply_layout(raw, columns=prereg.columns, constants=prereg.constants,
                                  recode=prereg.recode, filters=[])
        frame = tidy.normalise(frame, required=required_columns(prereg))
        table = exclusions.evaluate(tidy.participants(frame), frame, prereg.exclusions,
                                    context={"manual_exclusions": set()})
        kept, total = int((~table["excluded"]).sum()), len(table)
        if kept == 0:
            raise AnalysisError(f"pilot {name}: all {total} sessions meet an exclusion rule; "
                                f"no keep rate can be estimated")
        manual = " (manual screening not applied)" if prereg.rule("manual_screening") else ""
        return cls(keep=kept / total, source=f"pilot {name}: {total - kept} of {total} "
                                             f"sessions excluded{manual}")


@dataclass(frozen=True)
class Effects:
    """What the simulated participants do: per (condition, attribute) accuracy for relevance
    designs; for trial designs P(correct trial) per level of the one within-participant factor
    that the tests compare (keyed (level, "")), trials per level, and the SD of the
    participants' logit offsets."""

    accuracy: dict
    trials: int = 0
    subject_sd: float = 0.0


def parse_effects(specs: list[str], prereg: Preregistration, *, trials: int = 0,
                  subject_sd: float = 0.0) -> Effects:
    """``--accuracy`` values: condition:attribute=p / condition=p (relevance designs) or
    level=p, the probability of a correct trial at a level of the compared factor (trial
    designs; checked against the analyses by :func:`check_effects`)."""
    if prereg.design != "trials":
        from .simulate import parse_accuracies

        return Effects(parse_accuracies(specs, prereg), trials=trials, subject_sd=subject_sd)
    accuracy = {}
    for spec in specs:
        level, sep, value = spec.partition("=")
        if not sep or not level:
            raise AnalysisError(f"--accuracy {spec!r}: a trial design takes level=p")
        try:
            probability = float(value)
        except ValueError as exc:
            raise AnalysisError(f"--accuracy {spec!r}: {value!r} is not a number") from exc
        if not 0 <= probability <= 1:
            raise AnalysisError(f"--accuracy {spec!r}: p must lie between 0 and 1")
        accuracy[(level, "")] = probability
    return Effects(accuracy, trials=trials, subject_sd=subject_sd)


def check_effects(prereg: Preregistration, effects: Effects, analyses) -> None:
    if prereg.design == "trials":
        factor = trial_factor(analyses)
        given = [level for level, _ in effects.accuracy]
        needed = list(prereg.conditions) if factor == "condition" else sorted(
            {str(a.params[k]) for a in analyses if a.test == "wilcoxon" for k in ("a", "b")})
        missing = [level for level in needed if level not in given]
        stray = [level for level in given if factor == "condition" and level not in needed]
        if stray:
            raise AnalysisError(f"--accuracy: {stray[0]!r} is not a condition (conditions: "
                                f"{list(prereg.conditions)})")
        if len(given) < 2 and not missing:
            raise AnalysisError(f"--accuracy: give P(correct) for at least two levels of "
                                f"{factor!r}")
        if effects.trials < 1:
            raise AnalysisError(f"a trial design needs --trials (main trials per level of "
                                f"{factor!r} and participant)")
        if effects.subject_sd < 0:
            raise AnalysisError("--subject-sd must be >= 0")
        what = f"level=p for each level of {factor!r}"
    else:
        missing = [f"{c}:{a}" for c in prereg.conditions for a in prereg.attributes
                   if (c, a) not in effects.accuracy]
        what = "condition=p or condition:attribute=p for each"
    if missing:
        raise AnalysisError(f"power needs the effect sizes: --accuracy lacks {', '.join(missing)} "
                            f"(give {what})")


def planned(prereg: Preregistration, only: list[str] | None = None) -> list:
    """The analyses to simulate: ``only`` (ids) or every preregistered test; unsupported ones
    are refused by name."""
    if only:
        known = {a.id for a in prereg.analyses}
        unknown = [i for i in only if i not in known]
        if unknown:
            raise AnalysisError(f"--tests: unknown analysis {unknown[0]!r} (analyses: "
                                f"{', '.join(sorted(known))})")
        chosen = [a for a in prereg.analyses if a.id in only]
    else:
        chosen = [a for a in prereg.analyses if a.planned and a.test not in SKIPPED_KINDS]
    supported = TRIAL_KINDS if prereg.design == "trials" else RELEVANCE_KINDS
    for analysis in chosen:
        if analysis.test not in supported:
            raise AnalysisError(f"{analysis.id}: power simulation supports {sorted(supported)} "
                                f"in a {prereg.design} design, not {analysis.test!r}; choose "
                                f"the analyses with --tests")
        if prereg.design == "trials":
            _check_trial_factors(analysis)
    if not chosen:
        raise AnalysisError("no preregistered test to simulate")
    return chosen


def _factors(analysis) -> list[str]:
    p = analysis.params
    return [p.get("factor")] if analysis.test == "wilcoxon" else list(p.get("within", []))


def _check_trial_factors(analysis) -> None:
    factors = _factors(analysis)
    if len(factors) != 1:
        raise AnalysisError(f"{analysis.id}: uses the factors {factors}; the simulation varies "
                            f"one within-participant factor (choose other analyses with --tests)")
    other = sorted({rule["column"] for rule in analysis.params.get("where") or []} - set(factors))
    if other:
        raise AnalysisError(f"{analysis.id}: uses {other}; the simulation varies only "
                            f"{factors[0]!r} (choose other analyses with --tests)")


def trial_factor(analyses) -> str:
    """The one within-participant factor that the chosen trial analyses compare."""
    factors = sorted({_factors(a)[0] for a in analyses})
    if len(factors) != 1:
        raise AnalysisError(f"the chosen analyses compare different factors {factors}; simulate "
                            f"one factor at a time with --tests")
    return factors[0]


@dataclass
class SimulatedData(StudyData):
    """A simulated replicate: the per-condition score arrays, and the pandas tables only when
    an analysis other than the between-conditions tree needs them."""

    arrays: dict | None = None

    def groups(self, dv: str) -> dict[str, np.ndarray]:
        if self.arrays is None or dv not in self.arrays:
            return super().groups(dv)
        return self.arrays[dv]


def simulate_replicates(prereg: Preregistration, *, recruit: int, reps: int, effects: Effects,
                        attrition: Attrition, rng: np.random.Generator,
                        frames: bool = True, factor: str = "condition") -> list[StudyData]:
    """``reps`` analysed data sets of a study that recruits ``recruit`` participants (per
    condition in a between design; a within design has one condition, so it is the total).
    ``frames=False`` leaves out the pandas tables (enough for the between-conditions tree);
    ``factor``: the within-participant factor a trial design varies."""
    if prereg.design == "trials":
        return _trial_replicates(prereg, factor, recruit, reps, effects, attrition, rng)
    conditions, attributes = list(prereg.conditions), list(prereg.attributes)
    p = np.array([[effects.accuracy[(c, a)] for a in attributes] for c in conditions])
    correct = (rng.random((reps, len(conditions), recruit, len(attributes)))
               < p[None, :, None, :]).astype(np.int64)
    kept = rng.binomial(recruit, attrition.keep, size=(reps, len(conditions)))
    n_correct = correct.sum(axis=3)
    out = []
    for r in range(reps):
        arrays = {"n_correct": {}, "accuracy": {}}
        for c, condition in enumerate(conditions):
            arrays["n_correct"][condition] = n_correct[r, c, :kept[r, c]].astype(float)
            arrays["accuracy"][condition] = arrays["n_correct"][condition] / len(attributes)
        scores = rel = None
        if frames:
            scores, rel = _frames(prereg, [correct[r, c, :kept[r, c]]
                                           for c in range(len(conditions))])
        out.append(SimulatedData(prereg, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                                 pd.DataFrame(), rel=rel, scores=scores, arrays=arrays))
    return out


def _frames(prereg, answers: list[np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Scores (and, in a within design, the 'selected as relevant' rows) of one replicate."""
    attributes = list(prereg.attributes)
    parts = []
    for condition, block in zip(prereg.conditions, answers, strict=True):
        part = pd.DataFrame(block, columns=attributes)
        part.insert(0, "condition", condition)
        part.index = [f"{condition}-{i:05d}" for i in range(len(part))]
        parts.append(part)
    scores = pd.concat(parts)
    scores.index.name = "participant"
    scores["n_correct"] = scores[attributes].sum(axis=1)
    scores["accuracy"] = scores["n_correct"] / len(attributes)
    if prereg.design != "within":
        return scores, None
    key = np.array([prereg.answer_key[a] == "relevant" for a in attributes])
    values = scores[attributes].to_numpy()
    selected = np.where(key, values, 1 - values)
    rel = pd.DataFrame(selected, index=scores.index, columns=attributes).stack() \
        .rename("selected_relevant").rename_axis(["participant", "item"]).reset_index()
    return scores, rel


def _trial_replicates(prereg, factor, recruit, reps, effects, attrition, rng) -> list[StudyData]:
    """Per participant and level of ``factor``: the share correct of ``trials`` 2AFC trials,
    P(correct) on the logit scale shifted by the participant's normal offset."""
    levels = [level for level, _ in effects.accuracy]
    p = np.array([effects.accuracy[(level, "")] for level in levels])
    logit = np.log(np.clip(p, 1e-9, 1 - 1e-9) / np.clip(1 - p, 1e-9, 1))
    offsets = rng.normal(0, effects.subject_sd, size=(reps, recruit, 1))
    probability = 1 / (1 + np.exp(-(logit[None, None, :] + offsets)))
    counts = rng.binomial(effects.trials, probability)  # reps x participants x levels
    kept = rng.binomial(recruit, attrition.keep, size=reps)
    out = []
    for r in range(reps):
        n = kept[r]
        means = counts[r, :n] / effects.trials
        # one row per participant and level: its mean is the share correct over the trials
        frame = pd.DataFrame({
            "participant": np.repeat([f"sim-{i:05d}" for i in range(n)], len(levels)),
            factor: np.tile(levels, n), "correct": means.ravel()})
        out.append(StudyData(prereg, frame, pd.DataFrame(), frame, frame))
    return out


def run_tests(data: StudyData, analyses) -> dict[str, bool]:
    """Whether each hypothesis test of one replicate is significant, keyed 'id: label'."""
    done, hits = {}, {}
    for analysis in analyses:
        outcome = TESTS[analysis.test].run(data, analysis, done)
        done[analysis.id] = outcome.rows
        for row in outcome.rows:
            if row.test in NOT_HYPOTHESIS_TESTS or row.significant is None:
                continue
            hits[f"{analysis.id}: {row.label}".strip()] = bool(row.significant)
    return hits


def power_curve(prereg: Preregistration, *, sizes: list[int], reps: int, effects: Effects,
                attrition: Attrition, seed: int, tests: list[str] | None = None,
                progress: bool = False) -> pd.DataFrame:
    """One row per size and hypothesis test: power, its Wilson 95 % interval, and the numbers."""
    if reps < 1 or not sizes or min(sizes) < 2:
        raise AnalysisError("power analysis needs --reps >= 1 and sizes of at least 2")
    analyses = planned(prereg, tests)
    check_effects(prereg, effects, analyses)
    factor = trial_factor(analyses) if prereg.design == "trials" else "condition"
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    frames = any(a.test != "between_conditions" for a in analyses)
    rows = []
    for size, stream in zip(sizes, streams, strict=True):
        rng = np.random.default_rng(stream)
        hits: dict[str, int] = {}
        failures = 0
        replicates = simulate_replicates(prereg, recruit=size, reps=reps, effects=effects,
                                         attrition=attrition, rng=rng, frames=frames,
                                         factor=factor)
        for data in replicates:
            try:
                for key, significant in run_tests(data, analyses).items():
                    hits[key] = hits.get(key, 0) + int(significant)
            except AnalysisError:
                failures += 1  # e.g. constant scores or < 2 analysed: counted as not significant
        for key, count in sorted(hits.items()):
            low, high = proportion_confint(count, reps, alpha=0.05, method="wilson")
            rows.append({"recruit": size, "expected_analysed": size * attrition.keep,
                         "test": key, "power": count / reps, "ci_low": float(low),
                         "ci_high": float(high), "reps": reps, "failed_runs": failures,
                         "keep_rate": attrition.keep, "attrition": attrition.source,
                         "seed": seed})
        if progress:
            print(f"power: {size} recruited done", flush=True)
    if not rows:
        raise AnalysisError("every simulated study failed; see the effect sizes and sizes")
    return pd.DataFrame(rows)


def recruit_for(curve: pd.DataFrame, *, target: float) -> pd.DataFrame:
    """Per test: the smallest simulated size whose power (and whose interval's lower end)
    reaches ``target``; empty when none does."""
    rows = []
    for test, group in curve.groupby("test", sort=False):
        reached = group[group["power"] >= target]["recruit"]
        sure = group[group["ci_low"] >= target]["recruit"]
        rows.append({"test": test, "target": target,
                     "recruit": int(reached.min()) if len(reached) else pd.NA,
                     "recruit_ci_low_reaches": int(sure.min()) if len(sure) else pd.NA})
    frame = pd.DataFrame(rows)
    return frame.astype({"recruit": "Int64", "recruit_ci_low_reaches": "Int64"})


def size_unit(prereg: Preregistration) -> str:
    return "per condition" if prereg.design == "between" else "in total"


def plot_power(curve: pd.DataFrame, path, *, unit: str, target: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.6), dpi=110)
    styles = [("o", "-"), ("s", "--"), ("^", ":"), ("D", "-.")]
    tests = list(dict.fromkeys(curve["test"]))
    spread = 0.006 * (curve["recruit"].max() - curve["recruit"].min())
    for i, (test, group) in enumerate(curve.groupby("test", sort=False)):
        marker, line = styles[i % len(styles)]
        # small offsets, centred on the true size, keep overlapping intervals apart
        x = group["recruit"] + (i - (len(tests) - 1) / 2) * spread
        ax.errorbar(x, group["power"], yerr=[group["power"] - group["ci_low"],
                                             group["ci_high"] - group["power"]],
                    marker=marker, linestyle=line, capsize=3, label=test, alpha=0.9)
    ax.axhline(target, color="grey", linestyle="--", linewidth=1)
    first = curve.iloc[0]
    ax.set_xlabel(f"participants recruited {unit} (analysed: {first['keep_rate']:.0%} of them)")
    ax.set_ylabel("power (share of simulated studies significant)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"Monte Carlo power, {int(first['reps'])} simulated studies per size "
                 f"(bars: Wilson 95 % interval)\nattrition: {first['attrition']}", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def replicate_tidy(data: StudyData) -> pd.DataFrame:
    """One simulated relevance replicate as tidy export rows (completed, clean sessions)."""
    prereg = data.prereg
    rows = []
    for participant, row in data.scores.iterrows():
        for attribute in prereg.attributes:
            key = prereg.answer_key[attribute]
            other = Relevance.IRRELEVANT if key == Relevance.RELEVANT else Relevance.RELEVANT
            rows.append({"study": prereg.study, "participant": participant,
                         "condition": row["condition"], "status": SessionStatus.COMPLETED,
                         "item_type": ItemType.RELEVANCE, "item": attribute, "step": "relevance",
                         "response": key if row[attribute] else other})
    return pd.DataFrame(rows)
