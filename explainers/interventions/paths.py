"""Gradual interventions through the generator and the model's output along each path.

For every image and factor, the factor is set to ``N`` equidistant values spanning its whole
range (:data:`explainers.synthetic.FACTOR_RANGES`, end points included) and everything else in
the scene is held fixed (:func:`explainers.synthetic.intervene`); the scenes are rendered and
passed through the model in batches. The paper intervenes by "linearly increasing the CFG scale"
and assumes "a set of equidistant property realizations" (section 3.4); Two4Two intervenes on the
factor itself, exactly, so the grid is equidistant in the factor's own units.

The output is the model's probability of the second class, ``sigmoid(logit)`` = P(Stretchy), by
default: the paper's outputs are probabilities ("softmaxed cat-logit", Fig. 3), which is what
makes "a score of E[|grad_X|] = 0.01 ... an average deviation of one percent for each discrete
step of X" (section 3.4). ``output="logit"`` reads the logit instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from explainers.models.cpu_threads import imap_on_cpu, keep_freed_memory, map_on_cpu
from explainers.synthetic import FACTOR_RANGES, FACTORS, SceneBatch, intervene, render

from .shading import SHADING_FACTORS, render_shading_path

Output = Literal["probability", "logit"]
Forward = Literal["eager", "frozen"]


def intervention_grid(factor: str, points: int) -> np.ndarray:
    """``points`` equidistant values over ``factor``'s range, both ends included."""
    if factor not in FACTOR_RANGES:
        raise ValueError(f"unknown factor {factor!r}; factors are {', '.join(FACTORS)}")
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"an intervention needs at least 2 points, got {points!r}")
    lo, hi = FACTOR_RANGES[factor]
    return np.linspace(lo, hi, points)


def intervened_scenes(base: SceneBatch, factor: str, grid: np.ndarray) -> SceneBatch:
    """``len(base) * len(grid)`` scenes: scene ``i`` with ``factor`` at ``grid[j]`` at row
    ``i * len(grid) + j``; nothing else changes (the label follows the legs, as in
    :func:`~explainers.synthetic.intervene`)."""
    repeated = base[torch.arange(len(base)).repeat_interleave(len(grid))]
    values = torch.as_tensor(np.tile(grid, len(base)), dtype=torch.float32)
    return intervene(repeated, factor, value=values)


def model_output(
    model, output: Output = "probability", *, forward: Forward = "eager"
) -> Callable[[torch.Tensor], torch.Tensor]:
    """``images [B,3,H,W] -> [B]``: the model's probability of class 1, or its logit.

    ``forward="frozen"`` reads a frozen TorchScript copy of ``model.logit``
    (:func:`explainers.models.frozen.frozen_logit`: same logits up to float32 rounding, 1.4-1.7x
    faster on the CPU; costs a trace of a few seconds up front); ``"eager"`` calls the model."""
    if output not in ("probability", "logit"):
        raise ValueError(f"output must be probability or logit, got {output!r}")
    if forward == "frozen":
        from explainers.models.frozen import frozen_logit

        logit = frozen_logit(model)
    elif forward == "eager":
        logit = model.logit
    else:
        raise ValueError(f"forward must be eager or frozen, got {forward!r}")
    if output == "probability":
        return lambda x: torch.sigmoid(logit(x))
    return logit


def read_on_cpu(
    read: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, workers: int | None = None
) -> torch.Tensor:
    """``read(images)`` in ``workers`` Python threads (default: torch's thread count), each on
    a contiguous slice with single-threaded torch kernels, concatenated in order.

    The same scheme as the renderer's (:func:`explainers.synthetic.render`): on a shared
    machine every OpenMP barrier of a multi-threaded convolution waits for a descheduled
    thread. Measured on the 2-core CPU at load 9-15 for 22-220 images of 64 px: the INN
    4.4 img/s with 2 OpenMP threads -> 31 img/s single-threaded, the CNN 310 -> 696 img/s. The
    outputs differ from one multi-threaded batch by float32 rounding only (the split changes
    the kernels' summation order: at most 3e-8 in P(Stretchy) on the shipped CNN, 1e-6 on the
    deeper INN, as between two batch sizes before; p-values tested unchanged). The threads are :func:`explainers.models.cpu_threads.map_on_cpu`'s.
    """
    n = max(1, min(torch.get_num_threads() if workers is None else workers, len(images)))
    return torch.cat(map_on_cpu(read, torch.tensor_split(images, n), workers=n))


def _one_after_another(images_of, read, batches, seconds):
    """``(f, start, outputs)`` of each batch, rendered, then read, in this thread (GPUs)."""
    for f, start in batches:
        t0 = time.perf_counter()
        images = images_of(f, start)
        t1 = time.perf_counter()
        y = read(images).double().cpu().numpy()
        seconds["render"] += t1 - t0
        seconds["forward"] += time.perf_counter() - t1
        yield f, start, y


def _pipelined_on_cpu(images_of, read, batches, seconds):
    """``(f, start, outputs)`` of each batch, in order; each batch is rendered and read whole by
    one of torch's thread count of Python threads, with single-threaded torch kernels.

    The same numbers as rendering a batch with the renderer's threads and then reading it with
    :func:`read_on_cpu` (the renderer's chunks and the reads' slices are the same, each computed
    by a single-threaded kernel), but the threads never wait for each other at the end of a
    phase: while one renders, another reads, and a batch's last, smaller render chunk leaves no
    core idle. ``seconds["render"]`` and ``["forward"]`` split the wall-clock time of all the
    batches in the proportion of the threads' time in each (they add up to the wall time, as
    they did one after another)."""
    slices = torch.get_num_threads()  # read_on_cpu's split of a batch: the same batch sizes
    spent = {"render": 0.0, "forward": 0.0}

    def one(batch):
        t0 = time.perf_counter()
        images = images_of(*batch)
        t1 = time.perf_counter()
        parts = torch.tensor_split(images, max(1, min(slices, len(images))))
        y = torch.cat([read(part) for part in parts]).double().numpy()
        return batch, y, t1 - t0, time.perf_counter() - t1

    t_start = time.perf_counter()
    for (f, start), y, render_s, forward_s in imap_on_cpu(one, batches, workers=slices):
        spent["render"] += render_s
        spent["forward"] += forward_s
        yield f, start, y
    wall = time.perf_counter() - t_start
    busy = spent["render"] + spent["forward"]
    for k in spent:
        seconds[k] += wall * spent[k] / busy if busy > 0 else 0.0


@dataclass
class InterventionPaths:
    """``outputs[i, f, j]``: the model's output for image ``i`` with ``factors[f]`` set to
    ``grids[factors[f]][j]``. ``seconds`` splits the time into rendering, forward passes and
    the set-up before the first batch."""

    outputs: np.ndarray
    factors: tuple[str, ...]
    grids: dict[str, np.ndarray]
    base: SceneBatch
    output: str
    seconds: dict[str, float] = field(default_factory=dict)


@torch.inference_mode()
def intervention_paths(
    model,
    base: SceneBatch,
    *,
    factors: Sequence[str] = FACTORS,
    points: int = 11,
    output: Output = "probability",
    batch_size: int = 256,
    device=None,
    forward: Forward = "eager",
    progress: Callable[[int, int], None] | None = None,
) -> InterventionPaths:
    """Render every gradual intervention of ``base`` and read the model along it, in batches
    of ``batch_size`` images (render, then forward; colour and background paths compute each
    image's geometry once, :func:`~explainers.interventions.shading.render_shading_path`, the
    same pixels; on the CPU torch's thread count of batches at a time, one per Python thread,
    :func:`_pipelined_on_cpu`). ``forward`` as in :func:`model_output`;
    ``seconds["setup"]`` is the time taken once before the first batch (the trace of
    ``"frozen"``), ``"render"`` and ``"forward"`` add up over the batches (on the CPU the wall
    time split in the threads' proportion). ``progress(done, total)`` is called after every
    batch, in order."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    factors = tuple(factors)
    if not factors or len(set(factors)) != len(factors):
        raise ValueError(f"factors must be distinct and not empty, got {factors!r}")
    grids = {f: intervention_grid(f, points) for f in factors}
    device = torch.device(device) if device is not None else model.device
    if device.type == "cpu":  # the chunks' work tensors reuse memory instead of faulting it in
        keep_freed_memory()
    t0 = time.perf_counter()
    read = model_output(model, output, forward=forward)
    size = model.image_size
    outputs = np.zeros((len(base), len(factors), points))
    seconds = {"render": 0.0, "forward": 0.0, "setup": time.perf_counter() - t0}
    total, done = len(base) * len(factors) * points, 0
    per_batch = max(1, batch_size // points)  # whole paths per batch
    batches = [(f, start) for f in range(len(factors)) for start in range(0, len(base), per_batch)]

    def images_of(f: int, start: int) -> torch.Tensor:
        part, factor = base[start : start + per_batch], factors[f]
        if factor in SHADING_FACTORS:  # the geometry once per image, the colours per point
            return render_shading_path(part, factor, grids[factor], size=size, device=device)
        scenes = intervened_scenes(part, factor, grids[factor])
        return render(scenes.to(device), size=size, device=device).images

    in_order = _pipelined_on_cpu if device.type == "cpu" else _one_after_another
    for f, start, y in in_order(images_of, read, batches, seconds):
        n = len(y) // points
        outputs[start : start + n, f] = y.reshape(n, points)
        done += len(y)
        if progress is not None:
            progress(done, total)
    return InterventionPaths(outputs, factors, grids, base, output, seconds)
