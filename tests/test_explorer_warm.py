"""The explorer's warm-up (studies/explorer/warm.py): mixing only, the reachable scenes are
closed (N^3 combinations of the step's scenes, each mix preview of one is another), warm pins
exactly that closure at both sizes, in batches, within its bound, without holding up a
participant's probe."""

import threading
import time

import pytest
import torch

from explainers.explorer import Scorer, interpolate, sampled_scenes
from explainers.explorer.inference import DISPLAY_SIZE, PREVIEW_SIZE
from explainers.explorer.scenes import scene_key
from studies.explorer import session, warm

SCENES = sampled_scenes(sampler="study", seed=7, count=4)
ORDER = [2, 0, 3, 1]


def act(state, **data):
    return session.apply(state, SCENES, session.parse({k: str(v) for k, v in data.items()},
                                                      len(SCENES)))


def closure_keys():
    return {scene_key(warm.combined(SCENES, c)) for c in warm.closure(len(SCENES), ORDER)}


def test_mixing_never_leaves_the_closure_of_the_starting_scenes():
    """Every state reachable with select, mix (any group, any source, the selected one
    included), undo and reset, explored breadth-first to a fixed point: its scene and every mix
    preview of it are among the N^3 combinations, and every combination is reached."""
    keys = closure_keys()
    assert len(keys) == 4 ** 3 == len(warm.closure(4))
    seen, frontier, reached = set(), [{}], set()
    while frontier:
        state = frontier.pop()
        moves = [{"action": "select", "index": i} for i in range(len(SCENES))]
        if state.get("current") is not None:
            moves += [{"action": "mix", "group": g, "source": j}
                      for g in warm.GROUPS for j in range(len(SCENES))]
            moves += [{"action": "reset"}] + [{"action": "undo"}] * bool(state.get("history"))
            for j in range(len(SCENES)):
                for g in warm.GROUPS:
                    preview = act(dict(state), action="preview", group=g, source=j)
                    assert scene_key(preview) in keys
        for move in moves:
            new = {**state, "history": list(state.get("history", []))}
            scene = act(new, **move)
            assert scene_key(scene) in keys
            reached.add(scene_key(scene))
            # states differ by their scene, selection and (for undo) last step back
            mark = (new["selected"], scene_key(scene),
                    tuple(scene_key(h["current"]) for h in new["history"][-1:]))
            if mark not in seen and len(new["history"]) <= 3:
                seen.add(mark)
                frontier.append(new)
    assert reached == keys
    # an interpolation strictly between 0 and 1 leaves it; t = 0 and t = 1 do not
    state = {}
    act(state, action="select", index=0)
    assert scene_key(act(dict(state), action="preview", group="body", source=1, t=0.5)) \
        not in keys
    assert scene_key(act(dict(state), action="preview", group="body", source=1, t=1)) in keys


def grid_keys(scenes=SCENES, order=ORDER):
    """The starting scenes' slider previews on the 0.05 grid, 0 < t < 1 (computed apart)."""
    return {scene_key(interpolate(scenes[s], scenes[j], g, k / 20)) for s in order
            for j in order if j != s for g in warm.GROUPS for k in range(1, 20)}


def test_the_plan_is_the_closure_at_both_sizes_and_the_starting_sliders():
    batches = warm.plan(SCENES, ORDER)
    assert all(1 <= len(b) <= warm.BATCH for b, _ in batches)
    asked = [(scene_key(s), size) for batch, size in batches for s in batch]
    assert len(asked) == len(set(asked))  # nothing twice
    keys, grid = closure_keys(), grid_keys()
    # the starting previews first, as before (each scene's mixes and its three sliders)
    starting = warm.plan(SCENES, ORDER, steps=1)
    assert asked[:sum(len(b) for b, _ in starting)] == [
        (scene_key(s), size) for batch, size in starting for s in batch]
    assert len(grid) == 4 * 3 * 3 * 19 and not grid & keys
    assert {k for k, size in asked if size == PREVIEW_SIZE} == keys | grid
    assert {k for k, size in asked if size == DISPLAY_SIZE} == keys
    # the closure before the sliders
    first_slider = next(n for n, (k, _) in enumerate(asked) if k in grid
                        and n >= sum(len(b) for b, _ in starting))
    assert {k for k, _ in asked[:first_slider]} >= keys


@pytest.mark.parametrize(("n", "most"), [(6, 0), (6, 100), (6, 1000), (12, warm.WARM_PICTURES)])
def test_the_bound_on_pinned_pictures_is_kept_in_order(n, most):
    scenes = sampled_scenes(sampler="study", seed=7, count=n)
    order = list(range(n))
    asked = [(scene_key(s), size) for batch, size in warm.plan(scenes, order, most)
             for s in batch]
    everything = [(scene_key(s), size) for batch, size in warm.plan(scenes, order, 10 ** 6)
                  for s in batch]
    assert asked == everything[:most]  # the most likely first, cut at the bound
    if n == 12:  # 1,728 closure scenes: the bound stops within the closure (step 3)
        assert len(everything) > most
        assert {scene_key(s) for s in scenes} <= {k for k, size in asked if size == 128}


class Slow(torch.nn.Module):
    """A stand-in model: a constant logit, ``delay`` seconds per batch (the GIL released)."""

    image_size, bundle_hash = 64, "slow"

    def __init__(self, delay):
        super().__init__()
        self.delay, self.calls = delay, 0

    def logit(self, x):
        self.calls += 1
        time.sleep(self.delay)
        return torch.full((len(x),), 2.0)


def test_warm_pins_exactly_the_plan_and_a_mix_of_mixes_is_a_hit():
    scorer = Scorer(Slow(0.0), cache_size=4, forward="eager")
    asked = warm.warm(scorer, SCENES, ORDER)
    keys = closure_keys()
    sliders = len(SCENES) * len(warm.GROUPS)  # step 1's, at most (some coincide)
    stats = scorer.stats()
    assert stats["pinned"] == asked
    assert 2 * len(keys) + len(grid_keys()) <= asked <= 2 * len(keys) + len(grid_keys()) + sliders
    assert stats["cached"] == 0 and stats["misses"] == asked
    assert stats["pinned_png_bytes"] < asked * 20_000
    # every 128 px picture was drawn, not scored again: one forward pass per 64 px batch
    assert scorer.model.calls == sum(1 for _, size in warm.plan(SCENES, ORDER)
                                     if size == PREVIEW_SIZE)
    state, outside = {}, set()
    act(state, action="select", index=1)
    for group, source in (("body", 3), ("appearance", 0), ("scene", 2), ("body", 0)):
        scene = act(state, action="mix", group=group, source=source)
        assert scorer.probe(scene).cached  # the change's 128 px picture
        items = session.page_previews(1, ORDER)
        previews = session.preview_scenes(state, SCENES, session.Action("previews", items=items))
        probes = scorer.probe_many(previews, size=PREVIEW_SIZE)
        assert [p.cached for p, i in zip(probes, items, strict=True) if i.t is None] == \
            [True] * (len(warm.GROUPS) * (len(SCENES) - 1))
        outside |= {scene_key(s) for s in previews} - keys
    # only the sliders (t = 0.5) of the mixed scenes missed, each once
    assert 0 < len(outside) <= 3 * 4 and scorer.stats()["misses"] == asked + len(outside)
    assert scorer.stats()["cached"] <= 4  # the LRU still bounded


def test_the_warm_thread_leaves_room_for_a_participants_probe(monkeypatch):
    monkeypatch.delenv("XAI_EXPLORER_WARM_PICTURES", raising=False)  # the full warm-up
    model = Slow(0.02)  # warm's ~130 batches at 64 px, 20 ms each: ~3 s in all
    scorer = Scorer(model, forward="eager")

    class Step:
        sampler, seed, scene_count = "study", 7, 4

    assert warm.warm_in_background(scorer, Step(), SCENES, ORDER)
    assert not warm.warm_in_background(scorer, Step(), SCENES, ORDER)  # once per process
    thread = next(t for t in threading.enumerate() if t.name == "explorer-warm")
    for _ in range(200):  # until its first batch is pinned
        if scorer.stats()["pinned"]:
            break
        time.sleep(0.01)
    assert thread.is_alive() and 0 < scorer.stats()["pinned"] < 2 * len(closure_keys())
    started = time.perf_counter()
    probe = scorer.probe({**SCENES[0], "color": 0.123}, size=PREVIEW_SIZE)  # outside the plan
    waited, warming = time.perf_counter() - started, thread.is_alive()
    thread.join(10)  # (before asserting: torch aborts a process that exits while it computes)
    assert not probe.cached and warming  # answered while warming goes on
    assert waited < 0.5  # at most a batch or two of warm's, not the whole warm-up
    assert scorer.stats()["pinned"] >= 2 * len(closure_keys())


def test_the_environment_bounds_the_background_warm_up(monkeypatch):
    monkeypatch.setenv("XAI_EXPLORER_WARM_PICTURES", "40")
    scorer = Scorer(Slow(0.0), forward="eager")

    class Step:
        sampler, seed, scene_count = "study", 8, 4

    assert warm.warm_in_background(scorer, Step(), SCENES, ORDER)
    warm._THREADS[-1].join(30)
    assert scorer.stats()["pinned"] == 40
    monkeypatch.setenv("XAI_EXPLORER_WARM_PICTURES", "many")
    with pytest.raises(ValueError, match="XAI_EXPLORER_WARM_PICTURES must be a whole number"):
        warm.pictures_bound()
    monkeypatch.delenv("XAI_EXPLORER_WARM_PICTURES")
    assert warm.pictures_bound() == warm.WARM_PICTURES == 2400


def test_a_process_that_exits_while_warming_exits_cleanly(tmp_path):
    """torch aborts a process that exits while a thread computes (exit status 134,
    "terminate called without an active exception"): the warm-up stops at exit instead."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "exit_while_warming.py"
    script.write_text(
        "import time, torch\n"
        "torch.set_num_threads(1)\n"
        "from explainers.explorer import sampled_scenes, shared_scorer\n"
        "from studies.explorer import warm\n"
        "class Step:\n"
        "    sampler, seed, scene_count = 'study', 7, 6\n"
        "scorer = shared_scorer()\n"
        "scenes = sampled_scenes(sampler='study', seed=7, count=6)\n"
        "warm.warm_in_background(scorer, Step(), scenes, list(range(6)))\n"
        "time.sleep(1.5)\n"
        "assert warm._THREADS[0].is_alive()\n")
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(script)], cwd=repo, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(repo),
                                                       "XAI_EXPLORER_WARM_PICTURES": ""})
    assert done.returncode == 0, done.stderr[-2000:]
