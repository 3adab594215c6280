"""The trials of a ``generate: {source: cnn_units}`` block (Borowski et al. 2021's 2AFC design
on a CNN's units), one list per participant: a pure function of the spec and the participant's
``variant``, which is the participant's number in the paper's counterbalancing (its subject id).

For variant ``v`` with ``B`` batches (appendix A.1.2): the natural query images of the ``none``
blocks come from batch ``v``, the query and reference images of the ``natural`` blocks from
batch ``v + 1``, the query images of the ``synthetic`` blocks from batch ``v + 2`` (mod ``B``),
so a participant sees other natural images of a unit in each reference condition and no
reference image among the queries. Reference blocks alternate, in the spec's order for even
``v // len(schemes)`` and reversed for odd (Fig. 8A/B; Table 1); the presentation schemes follow
the rows of a Latin square by ``v``, and with ``units.sets`` > 1 the spec's scheme ``i`` shows
unit set ``(i + v) mod sets`` (the paper's batch blocks A-D). Practice trials (units of their own) open
each block type; catch trials (units of their own; the maximally activating query is a copy of
a reference image, Fig. 15) sit at random places in every block with references (never first);
``repeated`` main trials per reference type are shown again at the end (same item id).
A trial's ``selection`` factor says how its unit was chosen: ``hand_picked`` (listed under
``units.hand_picked``) or ``random`` (drawn by the rule; practice and catch units too), the
paper's H2 (Sec. 4.4, Fig. 5B).

Images are cells of the published stimuli of render kinds ``unit_synthetic`` (per unit:
rows max / min, the feature visualisations) and ``unit_natural`` (per unit: row ``2 b`` batch
``b``'s maximally, ``2 b + 1`` its minimally activating images, column 0 the query).
"""

from __future__ import annotations

import random
from functools import lru_cache

from .spec import StudySpec
from .spec.two_afc import ImageRef, Reference, TrialSpec
from .spec.unit_trials import SCHEMES

BATCH_OFFSET = {"none": 0, "natural": 1, "synthetic": 2}
_CACHE: dict[tuple, list[TrialSpec]] = {}


def _bundle(spec: StudySpec) -> tuple[str, str]:
    from explainers.plan import checkpoint_info

    from .stimuli import checkpoint_path

    folder = checkpoint_path(spec)
    return str(folder), checkpoint_info(folder)[0]


@lru_cache(maxsize=4096)
def _key(kind: str, items: tuple) -> str:
    from explainers.render_kinds import get_kind

    return get_kind(kind).key(dict(items))


def synthetic_inputs(g: dict, bundle: tuple[str, str], unit: tuple[str, int], n: int) -> dict:
    s = g["synthetic"]
    return {"bundle": bundle[0], "bundle_hash": bundle[1], "layer": unit[0], "unit": unit[1],
            "n_images": n, "steps": s["steps"], "size": s["size"],
            "diversity_weight": float(s["diversity_weight"]), "seed": s["seed"]}


def natural_inputs(g: dict, bundle: tuple[str, str], unit: tuple[str, int], n: int) -> dict:
    s = g["natural"]
    return {"bundle": bundle[0], "bundle_hash": bundle[1], "layer": unit[0], "unit": unit[1],
            "n_references": n, "n_batches": g["batches"], "size": s["size"], "seed": s["seed"],
            "source_n": s["source_n"], "source_seed": s["source_seed"]}


def unit_sets(spec: StudySpec, g: dict) -> dict:
    """``main`` (one list per set), ``practice`` and ``catch`` units, disjoint."""
    from explainers.unit_selection import draw_units, layer_channels

    from .stimuli import checkpoint_path

    channels = layer_channels(checkpoint_path(spec))
    u = g["units"]
    for layer, unit in u["hand_picked"]:
        if unit >= channels.get(layer, 0):
            raise ValueError(f"hand-picked unit {layer}:{unit}: the model's layers are "
                             f"{channels}")
    taken = list(u["hand_picked"])
    main = []
    for k in range(u["sets"]):
        drawn = draw_units(channels, u["layers"], u["per_layer"], u["seed"] + 1000 * k, taken)
        taken += drawn
        main.append(drawn + (list(u["hand_picked"]) if k == 0 else []))
    practice = draw_units(channels, u["layers"], g["practice_units"]["per_layer"],
                          g["practice_units"]["seed"], taken)
    taken += practice
    catch = draw_units(channels, u["layers"], g["catch_units"]["per_layer"],
                       g["catch_units"]["seed"], taken)
    return {"main": main, "practice": practice, "catch": catch}


def jobs(spec: StudySpec, step) -> list:
    """The render jobs (explainers.plan.RenderJob) of every image the block can show."""
    from explainers.plan import kind_job

    g, bundle = step.generate, _bundle(spec)
    sets = unit_sets(spec, g)
    units = sorted({u for s in sets["main"] for u in s} | set(sets["practice"])
                   | set(sets["catch"]))
    sizes = sorted({SCHEMES[s][1] for s in g["schemes"]})
    out = []
    for unit in units:
        for n in sizes:
            out.append(kind_job("unit_natural", natural_inputs(g, bundle, unit, n),
                                label=f"{step.id} {unit[0]}:{unit[1]} natural {n}"))
            if g["references"] and "synthetic" in g["references"]:
                out.append(kind_job("unit_synthetic", synthetic_inputs(g, bundle, unit, n),
                                    label=f"{step.id} {unit[0]}:{unit[1]} synthetic {n}"))
    return out


def latin_row(n: int, row: int) -> list[int]:
    """Row ``row`` of a balanced Latin square of order ``n`` (Williams design for even ``n``)."""
    first = [0] + [(k + 1) // 2 if k % 2 else n - k // 2 for k in range(1, n)]
    return [(x + row) % n for x in first]


def trials_for(spec: StudySpec, step, variant: int) -> list[TrialSpec]:
    key = (spec.sha256, step.id, int(variant))
    if key not in _CACHE:
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = _make(spec, step, int(variant))
    return _CACHE[key]


class _Images:
    def __init__(self, g: dict, bundle, v: int):
        self.g, self.bundle, self.v, self.B = g, bundle, v, g["batches"]

    def natural(self, unit, n: int, ref: str, position: int, direction: str) -> ImageRef:
        batch = (self.v + BATCH_OFFSET[ref]) % self.B
        key = _key("unit_natural", tuple(sorted(natural_inputs(self.g, self.bundle, unit,
                                                               n).items())))
        return ImageRef(key=key, row=2 * batch + (direction == "min"), col=position)

    def synthetic(self, unit, n: int, position: int, direction: str) -> ImageRef:
        key = _key("unit_synthetic", tuple(sorted(synthetic_inputs(self.g, self.bundle, unit,
                                                                   n).items())))
        return ImageRef(key=key, row=int(direction == "min"), col=position)

    def references(self, unit, scheme: str, ref: str) -> list[Reference]:
        with_min, n = SCHEMES[scheme]
        if ref == "none":
            return []
        if ref == "natural":
            imgs = {d: [self.natural(unit, n, ref, k + 1, d) for k in range(n)]
                    for d in ("min", "max")}
        else:
            imgs = {d: [self.synthetic(unit, n, k, d) for k in range(n)] for d in ("min", "max")}
        left = Reference("Minimally activating", imgs["min"]) if with_min else Reference("", [])
        return [left, Reference("Maximally activating", imgs["max"])]


def _trial(images: _Images, rng, ident, kind, unit, scheme, ref, block, catch=False):
    n = SCHEMES[scheme][1]
    hand_picked = tuple(unit) in {tuple(u) for u in images.g["units"]["hand_picked"]}
    refs = images.references(unit, scheme, ref)
    high = images.natural(unit, n, ref, 0, "max")
    low = images.natural(unit, n, ref, 0, "min")
    if catch:  # the maximally activating query is a copy of a reference image (Fig. 15)
        high = rng.choice(refs[1].images)
    answer = rng.randrange(2)
    options = [low, high] if answer == 1 else [high, low]
    factors = {"reference": ref, "scheme": scheme, "unit": f"{unit[0]}:{unit[1]}",
               "selection": "hand_picked" if hand_picked else "random", "block": block}
    return TrialSpec(ident, kind, options, answer, refs, factors)


def _make(spec: StudySpec, step, v: int) -> list[TrialSpec]:
    g = step.generate
    sets = unit_sets(spec, g)
    images = _Images(g, _bundle(spec), v)
    rng = random.Random(f"{spec.seed}:{step.id}:{v}")
    schemes = [g["schemes"][i] for i in latin_row(len(g["schemes"]), v)]
    refs = list(g["references"])
    if (v // len(g["schemes"])) % 2:
        refs.reverse()
    plan = []  # (reference, scheme, units of the block)
    main_units = {}
    for scheme in schemes:
        units = sets["main"][(g["schemes"].index(scheme) + v) % len(sets["main"])]
        main_units[scheme] = units
        per = g["blocks_per_reference"]
        order = {r: rng.sample(units, len(units)) for r in refs}
        for b in range(per):
            for r in refs:
                part = order[r][b * len(units) // per:(b + 1) * len(units) // per]
                plan.append((r, scheme, part))
    if g["none"]:
        scheme = schemes[0]
        units = rng.sample(main_units[scheme], len(main_units[scheme]))
        half = len(units) // 2
        plan = [("none", scheme, units[:half]), *plan, ("none", scheme, units[half:])]
    trials, seen_types, main_by_ref = [], set(), {}
    for block, (ref, scheme, units) in enumerate(plan, start=1):
        if (ref, scheme) not in seen_types and g["practice"]:
            seen_types.add((ref, scheme))
            for k in range(g["practice"]):
                unit = sets["practice"][k % len(sets["practice"])]
                trials.append(_trial(images, rng, f"p{block}.{k + 1}-{ref}-{unit[0]}-{unit[1]}",
                                     "practice", unit, scheme, ref, block))
        kinds = [("main", u) for u in units]
        if ref != "none":
            for _ in range(g["catch_per_block"]):
                unit = sets["catch"][rng.randrange(len(sets["catch"]))]
                kinds.insert(rng.randrange(1, len(kinds) + 1), ("catch", unit))
        for k, (kind, unit) in enumerate(kinds):
            prefix = "c" if kind == "catch" else ""
            ident = f"{prefix}{ref}-{scheme}-{unit[0]}-{unit[1]}" + (f".{block}.{k}" if
                                                                       kind == "catch" else "")
            t = _trial(images, rng, ident, kind, unit, scheme, ref, block, catch=kind == "catch")
            trials.append(t)
            if kind == "main":
                main_by_ref.setdefault(ref, []).append(t)
    if g["repeated"]:
        again = []
        for ref in sorted(main_by_ref):
            pool = main_by_ref[ref]
            again += rng.sample(pool, min(g["repeated"], len(pool)))
        rng.shuffle(again)
        last = len(plan) + 1
        trials += [TrialSpec(t.id, "repeated", t.options, t.answer, t.references,
                             {**t.factors, "block": last}) for t in again]
    return trials


# --- the intuitiveness trials (studies.steps.intuitiveness) of a block's settings ------------
RATED_BATCH = 0  # the natural images rated: batch 0's references, the same for everyone


def _rated_size(g: dict) -> int:
    return max(SCHEMES[s][1] for s in g["schemes"])


def rating_images(spec: StudySpec, step, unit: tuple[str, int]) -> dict[str, list[ImageRef]]:
    """The maximally activating images an intuitiveness page shows of ``unit`` (Fig. 14),
    per image type of ``step.show``: the synthetic ones (row 0) and natural batch 0's
    references (row 0, columns 1..n), n the block's largest number of references."""
    g = step.block_generate
    images, n = _Images(g, _bundle(spec), RATED_BATCH), _rated_size(g)
    out = {}
    if "synthetic" in step.show:
        out["synthetic"] = [images.synthetic(unit, n, k, "max") for k in range(n)]
    if "natural" in step.show:
        key = _key("unit_natural", tuple(sorted(natural_inputs(g, images.bundle, unit,
                                                               n).items())))
        out["natural"] = [ImageRef(key=key, row=2 * RATED_BATCH, col=k + 1) for k in range(n)]
    return out


def rating_jobs(spec: StudySpec, step) -> list:
    """The render jobs of the images an intuitiveness step shows (its units, the block's
    settings)."""
    from explainers.plan import kind_job

    g, bundle, n = step.block_generate, _bundle(spec), _rated_size(step.block_generate)
    out = []
    for unit in step.units:
        name = f"{step.id} {unit[0]}:{unit[1]}"
        if "natural" in step.show:
            out.append(kind_job("unit_natural", natural_inputs(g, bundle, unit, n),
                                label=f"{name} natural {n}"))
        if "synthetic" in step.show:
            out.append(kind_job("unit_synthetic", synthetic_inputs(g, bundle, unit, n),
                                label=f"{name} synthetic {n}"))
    return out


def rating_problems(spec: StudySpec, step) -> list[str]:
    """What is wrong with an intuitiveness step's units for the model: a unit the model does
    not have, or one that is also a trial unit of the block (main, practice or catch)."""
    from explainers.unit_selection import layer_channels

    from .stimuli import checkpoint_path

    if not step.block_generate:
        return [f"its block {step.block!r} is not a generated CNN-unit block"]
    channels = layer_channels(checkpoint_path(spec))
    out = [f"unit {layer}:{unit} is not a channel of the model (its layers: {channels})"
           for layer, unit in step.units if unit >= channels.get(layer, 0)]
    sets = unit_sets(spec, step.block_generate)
    trial_units = {u for s in sets["main"] for u in s} | set(sets["practice"]) | set(sets["catch"])
    shared = [f"{u[0]}:{u[1]}" for u in step.units if u in trial_units]
    if shared:
        out.append(f"unit(s) {', '.join(shared)} are also trial units of block {step.block!r} "
                   f"(the intuitiveness trials rate units of their own; pick others)")
    return out
