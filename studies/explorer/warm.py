"""Warm-up: every participant starts from the same scenes, and mixing (taking a factor group
from another scene, :func:`explainers.explorer.mix`) copies that group's rounded factors
unchanged, so every scene reachable by selecting, mixing, undoing and resetting is a
combination ``(body from a, appearance from b, scene from c)`` of the step's N scenes: N^3
scenes (216 for 6), and every mix preview of such a scene is again one of them (the mix
closure). The first time a process shows an explorer step it computes, in the background,
what participants are most likely to ask and pins it in the scorer's cache, where the LRU
cannot evict it, in this order (:func:`plan`):

1. the previews the page asks right after selecting each starting scene (gallery order), with
   its three slider previews where the sliders start (all that was warmed before 2026-12-04);
2. the 128 px pictures of those mixes (what a first mix shows; drawn only, the logit kept);
3. the rest of the closure (two groups from two other scenes), at 64 px (the previews) and
   128 px (the changed scene);
4. the slider previews of the starting scenes: each group part of the way (``t`` on the
   slider's 0.05 grid, strictly between 0 and 1, nearest the slider's start first) towards
   each other scene. An interpolation leaves the closure; past the starting scenes the
   combinations (N^3 scenes x 3 groups x (N - 1) scenes x 19 steps) are too many to warm.

At most ``WARM_PICTURES`` pictures (``XAI_EXPLORER_WARM_PICTURES`` if set) are pinned, in
that order (6 scenes: all 2,142, ~12 MB of PNG; 12 scenes would make 3,456 of the closure
alone, and stop within step 3). Work goes in batches of ``BATCH`` scenes, each taking the
scorer's compute slot on its own and only while no participant's probe waits for it
(``background=True``), so a probe waits for at most the one batch already running; at exit a
warm-up stops after its batch."""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import threading

from explainers.explorer import FACTOR_GROUPS, interpolate, mix
from explainers.explorer.inference import DISPLAY_SIZE, PREVIEW_SIZE
from explainers.explorer.scenes import scene_key

from . import session

log = logging.getLogger(__name__)
_STARTED: set[tuple] = set()
_LOCK = threading.Lock()
_STOP = threading.Event()  # set at exit: a warm-up stops after its batch (see _stop_warming)
_THREADS: list[threading.Thread] = []
WARM_PICTURES = 2400  # pictures pinned at most (~5 KB at 64 px, ~14 KB at 128 px)
STEPS = 4  # the steps of the module docstring
SLIDER_STEP = 0.05  # templates/studies/steps/explorer.html's step
BATCH = 6  # scenes per batch (one compute slot held at a time)
GROUPS = tuple(FACTOR_GROUPS)  # body, appearance, scene


def combined(scenes: list[dict], sources: tuple[int, ...]) -> dict:
    """The scene with each factor group taken from the scene ``sources[k]`` (groups in
    ``FACTOR_GROUPS`` order): what selecting ``sources[0]`` and mixing the others gives."""
    out = dict(scenes[sources[0]])
    for group, source in zip(GROUPS[1:], sources[1:], strict=True):
        out = mix(out, scenes[source], group)
    return out


def closure(n_scenes: int, order: list[int] | None = None) -> list[tuple[int, ...]]:
    """Every combination of sources, one per group, fewest mixes from a starting scene first
    (a starting scene, one group from another, two groups from two others), each step in the
    gallery's ``order``."""
    rank = {scene: k for k, scene in enumerate(order or range(n_scenes))}

    def mixes(sources):  # mixes needed from the best starting scene
        return len(GROUPS) - max(sources.count(s) for s in sources)

    return sorted(itertools.product(range(n_scenes), repeat=len(GROUPS)),
                  key=lambda c: (mixes(c), sorted(rank[s] for s in c), c))


def plan(scenes: list[dict], order: list[int], most: int = WARM_PICTURES,
         steps: int = STEPS) -> list[tuple[list, int]]:
    """What :func:`warm` computes, in order: ``(scenes, size)`` batches of at most ``BATCH``
    distinct scenes, none twice, at most ``most`` pictures in all, the first ``steps`` steps of
    the module docstring (``steps=1``: what was warmed before 2026-12-04)."""
    done: set[tuple] = set()
    out: list[tuple[list, int]] = []

    def add(batch, size):
        fresh = []
        for scene in batch:
            key = (scene_key(scene), size)
            if key not in done and len(done) < most:
                done.add(key)
                fresh.append(scene)
        out.extend((fresh[i:i + BATCH], size) for i in range(0, len(fresh), BATCH))

    others = {selected: [j for j in order if j != selected] for selected in order}
    for selected in order:  # step 1: the page's previews after selecting a starting scene
        state = {"selected": selected, "current": dict(scenes[selected])}
        action = session.Action(kind="previews", items=session.page_previews(selected, order))
        add(session.preview_scenes(state, scenes, action), PREVIEW_SIZE)
    if steps >= 2:  # step 2: the pictures of the first mixes
        for selected in order:
            add([mix(scenes[selected], scenes[j], g) for g in GROUPS for j in others[selected]],
                DISPLAY_SIZE)
    if steps >= 3:  # step 3: the rest of the closure
        rest = [combined(scenes, c) for c in closure(len(scenes), order)]
        for i in range(0, len(rest), BATCH):
            add(rest[i:i + BATCH], PREVIEW_SIZE)
            add(rest[i:i + BATCH], DISPLAY_SIZE)
    if steps >= 4:  # step 4: the starting scenes' sliders
        for t in slider_steps():
            for selected in order:
                add([interpolate(scenes[selected], scenes[j], g, t)
                     for g in GROUPS for j in others[selected]], PREVIEW_SIZE)
    return out


def slider_steps() -> list[float]:
    """The slider's positions strictly between 0 and 1 (its 0.05 grid), nearest its start
    (``session.SLIDER_T``) first."""
    grid = [round(k * SLIDER_STEP, 2) for k in range(1, round(1 / SLIDER_STEP))]
    return sorted(grid, key=lambda t: (abs(t - session.SLIDER_T), t))


def _key(scorer, step) -> tuple:
    return (id(scorer), step.sampler, step.seed, step.scene_count)


def warm_in_background(scorer, step, scenes: list[dict], order: list[int]) -> bool:
    """Start warming ``step``'s scenes (:func:`plan`) once per process and scorer; returns
    whether this call started it. ``order``: the gallery's scene order (by score)."""
    key = _key(scorer, step)
    with _LOCK:
        if key in _STARTED:
            return False
        _STARTED.add(key)
    thread = threading.Thread(target=warm, args=(scorer, scenes, order, pictures_bound()),
                              daemon=True, name="explorer-warm")
    _THREADS.append(thread)
    thread.start()
    return True


def pictures_bound() -> int:
    """``XAI_EXPLORER_WARM_PICTURES`` (a whole number; the tests warm less), else
    ``WARM_PICTURES``."""
    raw = os.environ.get("XAI_EXPLORER_WARM_PICTURES", "")
    if not raw:
        return WARM_PICTURES
    if not raw.isdigit():
        raise ValueError(f"XAI_EXPLORER_WARM_PICTURES must be a whole number, got {raw!r}")
    return int(raw)


@atexit.register
def _stop_warming() -> None:
    """At exit, let a running warm-up finish its batch and stop: torch aborts a process that
    exits while a thread of it computes ("terminate called without an active exception")."""
    _STOP.set()
    for thread in _THREADS:
        thread.join(10)


def warm_for_actions(scorer, step, scenes: list[dict]) -> bool:
    """:func:`warm_in_background` from the explorer's endpoint: a worker that answers a
    participant's actions without having shown the page (each request goes to whichever worker
    takes it) warms too. The gallery's order is the page's (by rounded score, stable); once
    started, this costs a set lookup."""
    if _key(scorer, step) in _STARTED:
        return False
    shown = scorer.probe_many(scenes, pin=True)  # the gallery, pinned as the page pins it
    order = sorted(range(len(scenes)), key=lambda i: -round(shown[i].score, 4))
    return warm_in_background(scorer, step, scenes, order)


def warm(scorer, scenes: list[dict], order: list[int], most: int = WARM_PICTURES,
         steps: int = STEPS) -> int:
    """Compute and pin :func:`plan`'s batches, one at a time; returns how many pictures were
    asked (distinct scenes and sizes)."""
    asked = 0
    try:
        for batch, size in plan(scenes, order, most, steps):
            if _STOP.is_set():
                break
            scorer.probe_many(batch, pin=True, size=size, background=True)
            asked += len(batch)
    except Exception:  # a warm-up failure must not take the worker down; probes still work
        log.exception("explorer warm-up failed")
    return asked
