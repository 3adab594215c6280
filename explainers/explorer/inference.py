"""Live inference for the explorer: render a scene, score it with the shipped model, cache it.

Where it runs: in the web worker's own threads (:func:`shared_scorer`; docs/explorer.md has the
measurements behind the choice), or, with ``XAI_EXPLORER_INFERENCE=process``, in a process of
its own beside each worker (:mod:`explainers.explorer.service`). The model is loaded once per
process, on first use; torch's intra-op threads are bounded (``XAI_EXPLORER_TORCH_THREADS``,
default 1) and so is the number of batches computed at once (``XAI_EXPLORER_CONCURRENCY``,
default 1), so a burst of previews queues instead of oversubscribing the cores the pages need.

Score: ``tanh(logit / logit_scale)`` in [-1, 1], the paper's display (it replaced the final
sigmoid by a tanh after training) on logits divided by the model's spread: +1 = Stretchy (label
1), -1 = Peeky. ``logit_scale`` is the standard deviation of the validation logits recorded in
the checkpoint's metrics.json (9.9 for the shipped model, whose logits run from -19 to +15:
tanh of the raw logit would read +1.00 or -1.00 for nearly every scene and hide every change
that does not flip the class); a checkpoint that does not record it gets 1, the paper's raw
tanh. The class and its confidence (``sigmoid(logit)`` or one minus it) come with it.

Forward pass: a torch model in eval mode is scored through its frozen TorchScript graph
(:func:`explainers.models.frozen.frozen_logit`, traced once when the scorer is made): the same
logits up to float32 rounding, about half the CPU time of the eager pass for a page's batch on
the shipped INN (``benchmarks/explorer_previews.py``). Any other model (one that is not an
``nn.Module``, or is in training mode), or ``Scorer(..., forward="eager")``, is called through its
own ``logit``.

Cache: an LRU per process keyed by the canonical scene (rounded parameters), the checkpoint's
bundle hash and the display size, beside pinned entries (and their logits) that it never evicts
(studies/explorer/warm.py's warm-up, computed with ``background=True``: only while no other
batch waits for a compute slot). Hits, misses, compute time and the pinned pictures' bytes are
counted (:meth:`stats`).
"""

from __future__ import annotations

import io
import math
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from explainers.interventions.paths import Forward
from explainers.synthetic import LABEL_NAMES, render
from explainers.synthetic.sheets import to_uint8

from .scenes import batch_of, scene_key

DISPLAY_SIZE = 128
PREVIEW_SIZE = 64  # the previews (shown at 72 px): the picture the model scored, no second render
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


PNG_LEVEL = 1  # zlib level: 3.7x cheaper than 6 on these pictures, files ~30 % larger (~14 KB)


def _png(pixels) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=False, compress_level=PNG_LEVEL)
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
                 concurrency: int = 1, logit_scale: float = 1.0, forward: Forward = "frozen"):
        if not (isinstance(logit_scale, (int, float)) and math.isfinite(logit_scale)
                and logit_scale > 0):
            raise ValueError(f"logit_scale must be a positive number, got {logit_scale!r}")
        self.model = model
        self._logit = scoring_function(model, forward=forward)
        self.logit_scale = float(logit_scale)
        self.display_size = display_size
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple, Probe] = OrderedDict()
        self._pinned: dict[tuple, Probe] = {}  # warmed scenes, never evicted (see probe_many)
        self._logits: OrderedDict[tuple, float] = OrderedDict()  # (scene, model): any size
        self._pinned_logits: dict[tuple, float] = {}  # the pinned scenes', never evicted
        self._lock = threading.Lock()
        # compute slots: ``concurrency`` batches at a time; a background batch (the warm-up)
        # takes one only while no participant's batch waits for one
        self._concurrency, self._busy, self._waiting = concurrency, 0, 0
        self._slot_free = threading.Condition()
        self.hits = self.misses = 0
        self.compute_ms_total = 0.0

    def probe(self, scene, *, size: int | None = None) -> Probe:
        """The scored picture of ``scene`` (a mapping of the ten factors; refused with
        :class:`~explainers.explorer.scenes.ExplorerError` if a key or value is bad), its
        picture ``size`` px (default ``display_size``)."""
        return self.probe_many([scene], size=size)[0]

    def probe_many(self, scenes, *, pin: bool = False, size: int | None = None,
                   background: bool = False) -> list[Probe]:
        """The scored pictures of ``scenes``, in order, ``size`` px (default ``display_size``):
        cached ones from the LRU, the others (each distinct scene once) in one batched render
        and one batched forward pass, so a page's previews cost one pass instead of one per
        preview; a scene already scored at another size is not scored again (its logit is kept
        apart from the pictures), only drawn. Each missed probe's ``compute_ms`` is its share
        of the batch's time. Every scene is checked before anything is computed (a bad one
        refuses the whole batch). ``pin``: keep these scenes outside the LRU, never evicted
        (the warm-up of the scenes every participant starts from; the caller bounds how
        many; their logits are kept apart, never evicted either). ``background``: compute only
        while no other batch waits for a compute slot (the warm-up: a participant's probe then
        waits for at most the batch already running)."""
        size = self.display_size if size is None else size
        if isinstance(size, bool) or not isinstance(size, int) or not 16 <= size <= 512:
            raise ValueError(f"size must be an integer number of pixels in [16, 512], got {size!r}")
        model_key = getattr(self.model, "bundle_hash", "")
        keys = [(scene_key(scene), model_key, size) for scene in scenes]
        out: list[Probe | None] = [None] * len(keys)
        missing: dict[tuple, list[int]] = {}
        with self._lock:
            for i, key in enumerate(keys):
                hit = self._pinned.get(key)
                if hit is None:
                    hit = self._cache.pop(key, None) if pin else self._cache.get(key)
                    if hit is not None and pin:
                        self._pinned[key] = hit
                        self._pinned_logits[key[:2]] = hit.logit
                    elif hit is not None:
                        self._cache.move_to_end(key)
                if hit is None:
                    missing.setdefault(key, []).append(i)
                    continue
                self.hits += 1
                out[i] = Probe(**{**hit.__dict__, "cached": True, "compute_ms": 0.0})
            known = [self._pinned_logits.get(key[:2], self._logits.get(key[:2]))
                     for key in missing]
        if missing:
            self._take_slot(background)
            try:
                computed = self._compute([scenes[where[0]] for where in missing.values()],
                                         size, known)
            finally:
                with self._slot_free:
                    self._busy -= 1
                    self._slot_free.notify_all()
            with self._lock:
                for (key, where), probe in zip(missing.items(), computed, strict=True):
                    self.misses += 1
                    self.compute_ms_total += probe.compute_ms
                    self._logits[key[:2]] = probe.logit
                    self._logits.move_to_end(key[:2])
                    if pin:
                        self._pinned[key] = probe
                        self._pinned_logits[key[:2]] = probe.logit
                    else:
                        self._cache[key] = probe
                        self._cache.move_to_end(key)
                    out[where[0]] = probe
                    for i in where[1:]:  # the same scene twice in one batch: computed once
                        self.hits += 1
                        out[i] = Probe(**{**probe.__dict__, "cached": True, "compute_ms": 0.0})
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
                while len(self._logits) > 4 * self.cache_size:
                    self._logits.popitem(last=False)
        return out

    def _take_slot(self, background: bool) -> None:
        with self._slot_free:
            self._waiting += not background
            try:
                while self._busy >= self._concurrency or (background and self._waiting):
                    self._slot_free.wait()
            finally:
                self._waiting -= not background
            self._busy += 1

    @torch.no_grad()
    def _compute(self, scenes, size: int, known: list[float | None]) -> list[Probe]:
        """Draw ``scenes`` at ``size`` px and score those whose logit is not ``known``."""
        started = time.perf_counter()
        batch = batch_of(scenes)
        todo = [i for i, logit in enumerate(known) if logit is None]
        logits = list(known)
        model_size = self.model.image_size
        shown = render(batch, size=size).images
        if todo:
            scored = shown[todo] if size == model_size else \
                render(batch_of([scenes[i] for i in todo]), size=model_size).images
            for i, logit in zip(todo, self._logit(scored).tolist(), strict=True):
                logits[i] = logit
        pixels = to_uint8(shown)
        probes = []
        for i, logit in enumerate(logits):
            p_stretchy = 1.0 / (1.0 + math.exp(-logit))
            label = 1 if logit > 0 else 0
            probes.append(Probe(score=math.tanh(logit / self.logit_scale),
                                label=LABEL_NAMES[label],
                                confidence=p_stretchy if label == 1 else 1.0 - p_stretchy,
                                logit=logit, png=_png(pixels[i])))
        share = (time.perf_counter() - started) * 1000.0 / len(probes)
        return [Probe(**{**p.__dict__, "compute_ms": share}) for p in probes]

    def clear(self) -> None:
        """Forget every cached and pinned probe and every kept logit (the counts stay)."""
        with self._lock:
            self._cache.clear()
            self._pinned.clear()
            self._pinned_logits.clear()
            self._logits.clear()

    def stats(self) -> dict:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "cached": len(self._cache),
                    "pinned": len(self._pinned),
                    "pinned_png_bytes": sum(len(p.png) for p in self._pinned.values()),
                    "compute_ms_total": round(self.compute_ms_total, 1)}


def scoring_function(model, *, forward: Forward = "frozen"):
    """What the scorer calls for logits: with ``forward="frozen"`` (the vocabulary of
    :func:`explainers.interventions.paths.model_output`), the frozen TorchScript graph of a
    torch model in eval mode (see the module docstring); with ``"eager"``, or for any other
    model, the model's own ``logit``."""
    if forward not in ("eager", "frozen"):
        raise ValueError(f"forward must be eager or frozen, got {forward!r}")
    if forward == "frozen" and isinstance(model, nn.Module) and not model.training:
        from explainers.models.frozen import frozen_logit

        return frozen_logit(model)
    return model.logit


_SCORERS: dict[tuple, object] = {}
_SCORER_LOCK = threading.Lock()
INFERENCE_MODES = ("process", "inline")


def inference_mode() -> str:
    """``XAI_EXPLORER_INFERENCE``: ``inline`` (the default: in the web worker's own threads) or
    ``process`` (the model in a process beside the worker, :mod:`explainers.explorer.service`;
    measured slower under docs/explorer.md's load, kept for loads where the GIL is the limit)."""
    mode = os.environ.get("XAI_EXPLORER_INFERENCE", "").strip().lower() or "inline"
    if mode not in INFERENCE_MODES:
        raise ValueError(f"XAI_EXPLORER_INFERENCE must be process or inline, got "
                         f"{os.environ['XAI_EXPLORER_INFERENCE']!r}")
    return mode


def shared_scorer(checkpoint=None):
    """The process's scorer of a checkpoint folder (default: the shipped one), made on the
    first call and then reused: a :class:`Scorer` or, with ``XAI_EXPLORER_INFERENCE=process``,
    a :class:`~explainers.explorer.service.ScorerProcess` (its child loads the model)."""
    from explainers.models.checkpoint import DEFAULT_CHECKPOINT

    mode = inference_mode()
    path = str(Path(checkpoint or DEFAULT_CHECKPOINT).resolve())
    scorer = _SCORERS.get((mode, path))
    if scorer is None:
        with _SCORER_LOCK:
            scorer = _SCORERS.get((mode, path))
            if scorer is None:
                threads = _env_int("XAI_EXPLORER_TORCH_THREADS", 1)
                concurrency = _env_int("XAI_EXPLORER_CONCURRENCY", 1)
                if mode == "process":
                    from .service import ScorerProcess

                    scorer = ScorerProcess(path, threads=threads, concurrency=concurrency)
                else:
                    from explainers.models import load_checkpoint

                    torch.set_num_threads(threads)
                    scorer = Scorer(load_checkpoint(path), concurrency=concurrency,
                                    logit_scale=recorded_logit_scale(path))
                _SCORERS[(mode, path)] = scorer
    return scorer


def recorded_logit_scale(checkpoint) -> float:
    """The spread of the validation logits the checkpoint's metrics.json records (1 if none)."""
    import json

    try:
        metrics = json.loads((Path(checkpoint) / "metrics.json").read_text())
        spread = float(metrics["val"]["logit_std"])
    except (OSError, ValueError, KeyError, TypeError):
        return 1.0
    return spread if math.isfinite(spread) and spread > 0 else 1.0
