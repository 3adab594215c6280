"""The diversity weight side by side: the same units, steps and seeds with each weight, max and
min, 9 images each; prints a table (activations of the final images, their diversity) and the
time per unit, and writes a picture sheet.

    python benchmarks/diversity_weight.py [--model checkpoints/cnn] [--layer layer3] [--units 2,16]
        [--weights 1,100] [--steps 2560] [--seed 0] [--threads 1] --out DIR

For each unit and direction the weights run one after the other (A/B, so a change of load hits
both alike). Per run it records the wall and CPU seconds, the channel mean of unit ``u`` for each
of the 9 final images (as shown, no transforms), their mean pairwise RMS pixel distance (0: all
alike; in [0, 1] pixel units) and lucid's diversity term on them (Gram cosine similarity summed
over the other images: 8 when all alike, lower is more diverse). ``DIR/results.json`` is
rewritten after every run; ``DIR/sheet.png`` shows every run's 9 images with their activations.
The time per unit (9 max + 9 min at ``--steps``) is printed per weight.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from explainers.feature_vis import FeatureVisualization, Recipe  # noqa: E402
from explainers.feature_vis.layers import layer_output  # noqa: E402
from explainers.feature_vis.objectives import diversity  # noqa: E402


def pairwise_distance(images: torch.Tensor) -> float:
    """Mean over pairs of the RMS pixel difference of two images ([N, 3, H, W] in [0, 1])."""
    flat = images.reshape(len(images), -1)
    d = torch.cdist(flat, flat) / flat.shape[1] ** 0.5
    n = len(images)
    return float(d.sum() / (n * (n - 1)))


def sheet(runs: list[dict], images: dict, path: Path, title: str) -> None:
    from PIL import Image, ImageDraw, ImageFont

    from explainers.synthetic.sheets import to_uint8

    tile, gap, left, head = 64, 4, 250, 34
    cols = max(len(images[r["key"]]) for r in runs)
    width = left + cols * (tile + gap)
    height = head + len(runs) * (tile + 20)
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    font, big = ImageFont.load_default(size=12), ImageFont.load_default(size=14)
    draw.text((6, 8), title, fill=(30, 30, 30), font=big)
    for row, run in enumerate(runs):
        y = head + row * (tile + 20)
        label = (f"{run['layer']}:{run['unit']} {run['direction']}, weight {run['weight']:g}\n"
                 f"pixel distance {run['pixel_distance']:.3f}, lucid div {run['lucid_diversity']:.2f}")
        draw.multiline_text((6, y + 14), label, fill=(30, 30, 30), font=font)
        pixels = to_uint8(images[run["key"]])
        for i, (img, act) in enumerate(zip(pixels, run["activations"], strict=True)):
            x = left + i * (tile + gap)
            canvas.paste(Image.fromarray(img).resize((tile, tile), Image.NEAREST), (x, y))
            draw.text((x, y + tile + 2), f"{act:.2f}", fill=(30, 30, 30), font=font)
    canvas.save(path, optimize=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "checkpoints" / "cnn")
    parser.add_argument("--layer", default="layer3")
    parser.add_argument("--units", default="2,16")
    parser.add_argument("--weights", default="1,100")
    parser.add_argument("--steps", type=int, default=2560)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from explainers.models.model_registry import load_model

    torch.set_num_threads(args.threads)
    units = [int(u) for u in args.units.split(",")]
    weights = [float(w) for w in args.weights.split(",")]
    model = load_model(args.model, device="cpu")
    size = model.info.image_size
    vis = FeatureVisualization(model, args.layer, forward=model.logit, input_size=size)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"model {args.model} ({model.info.plugin}), layer {args.layer}, units {units}, "
          f"weights {weights}, {args.steps} steps, {size} px, seed {args.seed}, "
          f"{args.threads} thread(s); load average before "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    vis.visualize(units[0], recipe=Recipe.for_size(size, steps=2))  # warm-up, not timed
    runs, images = [], {}
    for unit in units:
        for direction in ("max", "min"):
            for weight in weights:
                recipe = Recipe.for_size(size, steps=args.steps, diversity_weight=weight)
                started, cpu = time.perf_counter(), time.process_time()
                result = vis.visualize(unit, direction=direction, recipe=recipe, seed=args.seed)
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                with torch.no_grad():
                    acts = layer_output(model, args.layer, result.images, forward=model.logit)
                key = f"{args.layer}_{unit}_{direction}_{weight:g}"
                images[key] = result.images
                runs.append({
                    "key": key, "layer": args.layer, "unit": unit, "direction": direction,
                    "weight": weight, "steps": args.steps, "seed": args.seed,
                    "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                    "load_after": [round(x, 2) for x in os.getloadavg()],
                    "activations": [round(float(a), 4) for a in result.activations],
                    "pixel_distance": round(pairwise_distance(result.images), 4),
                    "lucid_diversity": round(float(diversity(acts)), 4),
                })
                torch.save(images, args.out / "images.pt")
                (args.out / "results.json").write_text(json.dumps(runs, indent=1))
                r = runs[-1]
                print(f"{key}: wall {r['wall_s']} s, cpu {r['cpu_s']} s, activations "
                      f"{min(r['activations']):.2f}-{max(r['activations']):.2f} (median "
                      f"{statistics.median(r['activations']):.2f}), pixel distance "
                      f"{r['pixel_distance']:.3f}, lucid diversity {r['lucid_diversity']:.2f}, "
                      f"load {r['load_after']}", flush=True)
    sheet(runs, images, args.out / "sheet.png",
          f"{args.layer}: diversity weights {', '.join(f'{w:g}' for w in weights)}, "
          f"{args.steps} steps, seed {args.seed} (number under each image: its activation)")
    print("| unit | direction | weight | activations min-max (median) | pixel distance | "
          "lucid diversity | wall s | CPU s |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in runs:
        a = r["activations"]
        print(f"| {r['layer']}:{r['unit']} | {r['direction']} | {r['weight']:g} | {min(a):.2f}-"
              f"{max(a):.2f} ({statistics.median(a):.2f}) | {r['pixel_distance']:.3f} | "
              f"{r['lucid_diversity']:.2f} | {r['wall_s']} | {r['cpu_s']} |")
    for weight in weights:
        for unit in units:
            mine = [r for r in runs if r["weight"] == weight and r["unit"] == unit]
            print(f"time per unit ({args.layer}:{unit}, 9 max + 9 min, {args.steps} steps, weight "
                  f"{weight:g}): {sum(r['wall_s'] for r in mine):.0f} s wall, "
                  f"{sum(r['cpu_s'] for r in mine):.0f} s CPU")
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"sheet {args.out / 'sheet.png'}")


if __name__ == "__main__":
    main()
