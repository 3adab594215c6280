"""The ``generate: {source: cnn_units, ...}`` block of a trial block: Borowski et al.'s (2021)
2AFC design on the units of a CNN model bundle (the study's ``checkpoint``). Read here without
a server; the trials are made by ``studies.unit_trials``. Defaults are the paper's Exp. I.

Keys (every one optional but ``units``)::

    source: cnn_units
    references: [synthetic, natural]   # reference blocks alternate, this order for even variants
    none: true                         # blocks without references at the start and at the end
    schemes: [min_max_9]               # max_1, min_max_1, max_9, min_max_9
    units: {layers: [...], per_layer: 4, seed: 0, hand_picked: [layer3:5, ...], sets: 1}
    practice_units: {per_layer: 1, seed: 1}   # drawn from the same layers, disjoint
    catch_units: {per_layer: 1, seed: 2}
    blocks_per_reference: 3            # main blocks per reference type (and scheme)
    practice: 5                        # practice trials before each block type's first block
    catch_per_block: 3                 # catch trials in each block with references
    repeated: 6                        # main trials per reference type repeated at the end
    batches: 20                        # natural images are split into this many batches
    synthetic: {steps: 2560, size: 64, diversity_weight: 100, seed: 0}
    natural: {source_n: 5000, source_seed: 0, seed: 0}
"""

from __future__ import annotations

import re

from .fields import Reader

REFERENCE_TYPES = ("synthetic", "natural")
SCHEMES = {"max_1": (False, 1), "min_max_1": (True, 1), "max_9": (False, 9),
           "min_max_9": (True, 9)}  # name -> (shows minimally activating images, images per side)
UNIT = re.compile(r"^([A-Za-z_][\w.]*):(\d+)$")


def _units(r: Reader, key: str, *, main: bool) -> dict:
    u = r.child(key) if main else r.child(key, {})
    out = {"per_layer": u.int("per_layer", 4 if main else 1, minimum=0),
           "seed": u.int("seed", 0 if main else (1 if key == "practice_units" else 2))}
    if main:
        out["layers"] = [str(x) for x in u.list("layers")]
        if not out["layers"]:
            u.error("layers", "name at least one layer of the model")
        out["sets"] = u.int("sets", 1, minimum=1)
        picked = []
        for i, item in enumerate(u.list("hand_picked", [])):
            m = UNIT.match(str(item))
            if not m:
                u.error("hand_picked", f"item {i} {item!r} is not 'layer:channel'")
                continue
            picked.append((m.group(1), int(m.group(2))))
        out["hand_picked"] = picked
    u.finish()
    return out


def read_cnn_units(g: Reader) -> dict:
    """The cnn_units keys of ``g`` (its ``source`` already read); unknown keys are errors."""
    refs = [str(x) for x in g.list("references", list(REFERENCE_TYPES))]
    for ref in refs:
        if ref not in REFERENCE_TYPES:
            g.error("references", f"{ref!r} is not a reference type ({', '.join(REFERENCE_TYPES)})")
    if len(set(refs)) != len(refs) or not refs:
        g.error("references", "list each reference type once")
    schemes = [str(x) for x in g.list("schemes", ["min_max_9"])]
    for s in schemes:
        if s not in SCHEMES:
            g.error("schemes", f"{s!r} is not a presentation scheme ({', '.join(SCHEMES)})")
    if len(set(schemes)) != len(schemes) or not schemes:
        g.error("schemes", "list each presentation scheme once")
    out = {"source": "cnn_units", "references": refs, "none": g.bool("none", True),
           "schemes": schemes, "units": _units(g, "units", main=True),
           "practice_units": _units(g, "practice_units", main=False),
           "catch_units": _units(g, "catch_units", main=False),
           "blocks_per_reference": g.int("blocks_per_reference", 3, minimum=1),
           "practice": g.int("practice", 5, minimum=0),
           "catch_per_block": g.int("catch_per_block", 3, minimum=0),
           "repeated": g.int("repeated", 6, minimum=0),
           "batches": g.int("batches", 20, minimum=3)}
    s = g.child("synthetic", {})
    out["synthetic"] = {"steps": s.int("steps", 2560, minimum=1), "size": s.int("size", 64,
                                                                                   minimum=8),
                        "diversity_weight": s.number("diversity_weight", 100.0, minimum=0),
                        "seed": s.int("seed", 0)}
    s.finish()
    n = g.child("natural", {})
    out["natural"] = {"source_n": n.int("source_n", 5000, minimum=1),
                      "source_seed": n.int("source_seed", 0), "seed": n.int("seed", 0),
                      "size": out["synthetic"]["size"]}
    n.finish()
    largest = max((SCHEMES[s][1] for s in schemes if s in SCHEMES), default=1)
    needed = 2 * (largest + 1) * out["batches"]
    if out["natural"]["source_n"] < needed:
        g.error("natural", f"source_n {out['natural']['source_n']} is too small: "
                           f"{out['batches']} batches of {largest} references and a query, "
                           f"max and min, need {needed} images")
    if out["units"]["sets"] != 1 and out["units"]["sets"] != len(schemes):
        g.error("units", "sets must be 1 or one per scheme")
    return out
