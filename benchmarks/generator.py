"""Images per second of the synthetic generator (sampling + rendering) at 128x128.

Runs with only torch + numpy installed (no Django):

    python benchmarks/generator.py [--size 128] [--repeats 5] [--cpu-batch 256] [--gpu-batch 2048]

Prints one plain-text line per device: median images/s (wall clock) over the repetitions, after a
warm-up; on CUDA with torch.cuda.synchronize around each timing. On the CPU it also prints images
per CPU-second, which is less sensitive to other processes sharing the cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainers.synthetic import get_sampler, render  # noqa: E402


def images_per_second(device: str, *, batch: int, size: int, repeats: int, supersample: int):
    dev = torch.device(device)
    sampler = get_sampler("study")
    generator = torch.Generator(device=dev).manual_seed(0)

    def once():
        scenes = sampler.sample(batch, generator=generator, device=dev)
        render(scenes, size=size, supersample=supersample)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    once()  # warm-up
    sync()
    rates, cpu_rates = [], []
    for _ in range(repeats):
        sync()
        start, cpu_start = time.perf_counter(), time.process_time()
        once()
        sync()
        rates.append(batch / (time.perf_counter() - start))
        cpu_rates.append(batch / (time.process_time() - cpu_start))
    return statistics.median(rates), min(rates), max(rates), statistics.median(cpu_rates)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--supersample", type=int, default=2)
    parser.add_argument("--cpu-batch", type=int, default=256)
    parser.add_argument("--gpu-batch", type=int, default=4096)
    parser.add_argument("--no-cpu", action="store_true")
    args = parser.parse_args(argv)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, size {args.size}, "
        f"supersample {args.supersample}, {args.repeats} repeats"
    )
    devices = [] if args.no_cpu else [("cpu", args.cpu_batch)]
    if torch.cuda.is_available():
        devices.append(("cuda", args.gpu_batch))
    for device, batch in devices:
        name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
        median, lo, hi, per_cpu_second = images_per_second(
            device, batch=batch, size=args.size, repeats=args.repeats, supersample=args.supersample
        )
        extra = f"; {per_cpu_second:,.0f} images per CPU-second" if device == "cpu" else ""
        print(
            f"{device} ({name}) batch {batch}: {median:,.0f} images/s "
            f"(median wall clock; min {lo:,.0f}, max {hi:,.0f}{extra})"
        )


if __name__ == "__main__":
    main()
