"""Live inference for the explorer: render a scene, score it with the shipped model, cache it.

Where it runs: inside the web worker process (see docs/explorer.md for the measurement behind
the choice). The model is loaded once per process, on first use, behind a lock; torch's
intra-op threads are bounded (``XAI_EXPLORER_TORCH_THREADS``, default 1) and so is the number
of probes computed at once in one process (``XAI_EXPLORER_CONCURRENCY``, default 1), so a burst
of previews queues inside the process instead of oversubscribing the cores the pages need.

Score: ``tanh(logit)`` in [-1, 1], as the paper displays it (it replaced the final sigmoid by a
tanh after training): +1 = Stretchy (label 1), -1 = Peeky. The class and its confidence
(``sigmoid(logit)`` or one minus it) come with it.

Cache: an LRU per process keyed by the canonical scene (rounded parameters), the checkpoint's
bundle hash and the display size. Hits, misses and compute time are counted (:meth:`stats`).
"""

from __future__ import annotations

import io
import math
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import torch

from explainers.synthetic import LABEL_NAMES, render
from explainers.synthetic.sheets import to_uint8

from .scenes import batch_of, scene_key

DISPLAY_SIZE = 128
CACHE_SIZE = 1024  # ~20 KB of PNG each


@dataclass(frozen=True)
class Probe:
    """One scored scene: ``score`` in [-1, 1], the predicted class and its confidence, the
    raw logit, the picture as PNG bytes, and whether it came from the cache."""

    score: float
    label: str
    confidence: float
    logit: float
    png: bytes
    cached: bool = False
    compute_ms: float = 0.0


def _png(pixels) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive integer, got {raw!r}")
    return int(raw)


class Scorer:
    """Renders and scores scenes with one model; thread-safe; see the module docstring."""

    def __init__(self, model, *, display_size: int = DISPLAY_SIZE, cache_size: int = CACHE_SIZE,
                 concurrency: int = 1):
        self.model = model
        self.display_size = display_size
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple, Probe] = OrderedDict()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(concurrency)
        self.hits = self.misses = 0
        self.compute_ms_total = 0.0

    def probe(self, scene) -> Probe:
        """The scored picture of ``scene`` (a mapping of the ten factors; refused with
        :class:`~explainers.explorer.scenes.ExplorerError` if a key or value is bad)."""
        key = (scene_key(scene), getattr(self.model, "bundle_hash", ""), self.display_size)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return Probe(**{**hit.__dict__, "cached": True, "compute_ms": 0.0})
        with self._slots:
            probe = self._compute(scene)
        with self._lock:
            self.misses += 1
            self.compute_ms_total += probe.compute_ms
            self._cache[key] = probe
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return probe

    @torch.no_grad()
    def _compute(self, scene) -> Probe:
        started = time.perf_counter()
        batch = batch_of([scene])
        scored = render(batch, size=self.model.image_size).images
        logit = float(self.model.logit(scored)[0])
        shown = scored if self.display_size == self.model.image_size \
            else render(batch, size=self.display_size).images
        p_stretchy = 1.0 / (1.0 + math.exp(-logit))
        label = 1 if logit > 0 else 0
        return Probe(score=math.tanh(logit), label=LABEL_NAMES[label],
                     confidence=p_stretchy if label == 1 else 1.0 - p_stretchy, logit=logit,
                     png=_png(to_uint8(shown)[0]),
                     compute_ms=(time.perf_counter() - started) * 1000.0)

    def stats(self) -> dict:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "cached": len(self._cache),
                    "compute_ms_total": round(self.compute_ms_total, 1)}


_SCORER: Scorer | None = None
_SCORER_LOCK = threading.Lock()


def shared_scorer() -> Scorer:
    """The process's Scorer with the shipped checkpoint (loaded on first call, then reused)."""
    global _SCORER
    if _SCORER is None:
        with _SCORER_LOCK:
            if _SCORER is None:
                from explainers.models import load_checkpoint

                torch.set_num_threads(_env_int("XAI_EXPLORER_TORCH_THREADS", 1))
                _SCORER = Scorer(load_checkpoint(),
                                 concurrency=_env_int("XAI_EXPLORER_CONCURRENCY", 1))
    return _SCORER
