"""Throughput of the invertible classifier: training, encode, decode, counterfactual grid.

    python benchmarks/model.py --config configs/study.json --device cuda [--checkpoint DIR]

Prints plain ``name: value`` lines. Runs without Django.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explainers.models import build_model, counterfactual, load_checkpoint, load_config  # noqa: E402


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device, repeat: int) -> float:
    """Median seconds of ``fn()`` over ``repeat`` runs after one warm-up."""
    fn()
    _sync(device)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="configs/study.json")
    p.add_argument("--checkpoint", default=None, help="benchmark a trained bundle instead")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--batch", type=int, default=0, help="default 128 on GPU, 16 on CPU")
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args(argv)
    device = torch.device(a.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    from explainers.synthetic import get_sampler, render

    if a.checkpoint:
        model = load_checkpoint(a.checkpoint, device=device)
    else:
        model = build_model(load_config(a.config)).to(device)
    bs = a.batch or (128 if device.type == "cuda" else 16)
    gen = torch.Generator(device=device).manual_seed(0)
    scenes = get_sampler("study").sample(bs, generator=gen, device=device)
    t_render = timed(lambda: render(scenes, size=model.image_size), device, a.repeat)
    x = render(scenes, size=model.image_size).images
    labels = scenes.label.float()
    print(f"device: {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'})")
    print(f"torch: {torch.__version__}; threads: {torch.get_num_threads()}")
    print(f"model: {model.n_parameters()} parameters, image size {model.image_size}, batch {bs}")
    print(f"render_images_per_s: {bs / t_render:.1f}")

    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-5)

    def train_step():
        loss, _ = model.loss(x, labels, 1.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    print(f"train_images_per_s: {bs / timed(train_step, device, a.repeat):.1f}")
    model.eval()
    with torch.no_grad():
        enc = model.encode(x)
        print(f"encode_images_per_s: {bs / timed(lambda: model.encode(x), device, a.repeat):.1f}")
        print(f"decode_images_per_s: {bs / timed(lambda: model.decode(enc), device, a.repeat):.1f}")
        err = float((model.decode(enc) - x).abs().max())
        print(f"max_reconstruction_error: {err:.2e}")
        rows = x[:10]
        targets = torch.linspace(-5, 5, 5, device=device).expand(rows.shape[0], 5)
        t_grid = timed(lambda: counterfactual(model, rows, targets), device, a.repeat)
        print(f"counterfactual_grid_10x5_ms: {t_grid * 1000:.1f}")
        # as the INN explainer renders: alpha searched on the 8-bit image (tolerance 0.1% of a
        # logit range of ~34, 16 corrections at most), targets across the study grid's range
        wide = torch.linspace(-14, 12, 5, device=device).expand(rows.shape[0], 5)
        searched = counterfactual(model, rows, wide, search_steps=16, tol=0.034, quantize=True)
        t_search = timed(lambda: counterfactual(model, rows, wide, search_steps=16, tol=0.034,
                                                quantize=True), device, a.repeat)
        print(f"counterfactual_grid_10x5_searched_ms: {t_search * 1000:.1f} "
              f"(mean {float(searched.steps.float().mean()):.1f} corrections per image)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
