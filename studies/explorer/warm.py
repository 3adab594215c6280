"""Warm-up: every participant starts from the same scenes, so the previews the page asks right
after selecting one of them are the same for everyone. The first time a process shows an
explorer step it computes them in the background (batched, one selected scene at a time, so
participants' own probes run between the batches) and pins them in the scorer's cache, where
the LRU cannot evict them. A select or a reset then answers its previews from the cache."""

from __future__ import annotations

import logging
import threading

from explainers.explorer.inference import PREVIEW_SIZE

from . import session

log = logging.getLogger(__name__)
_STARTED: set[tuple] = set()
_LOCK = threading.Lock()


def warm_in_background(scorer, step, scenes: list[dict], order: list[int]) -> bool:
    """Start warming ``step``'s starting previews once per process and scorer; returns whether
    this call started it. ``order``: the gallery's scene order (by score)."""
    key = (id(scorer), step.sampler, step.seed, step.scene_count)
    with _LOCK:
        if key in _STARTED:
            return False
        _STARTED.add(key)
    threading.Thread(target=warm, args=(scorer, scenes, order), daemon=True,
                     name="explorer-warm").start()
    return True


def warm(scorer, scenes: list[dict], order: list[int]) -> int:
    """Compute and pin the previews of every starting scene; returns how many were asked."""
    asked = 0
    try:
        for selected in order:
            state = {"selected": selected, "current": dict(scenes[selected])}
            items = session.page_previews(selected, order)
            action = session.Action(kind="previews", items=items)
            scorer.probe_many(session.preview_scenes(state, scenes, action), pin=True,
                              size=PREVIEW_SIZE)
            asked += len(items)
    except Exception:  # a warm-up failure must not take the worker down; probes still work
        log.exception("explorer warm-up failed")
    return asked
