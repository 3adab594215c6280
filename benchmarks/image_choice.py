"""What ``key: model`` costs at render time: an image_choice step's images (render kind
``folder_images``) rendered with and without the model's predictions, side by side; no Django.

    python benchmarks/image_choice.py                      # checkpoints/cnn, 40 of 400 images
    python benchmarks/image_choice.py --checkpoint checkpoints/study --images 100 --repeats 5

Generates a folder of ``--pool`` PNGs (coloured discs, 160x128: centre-cropped) with a
labels.csv in a temporary directory, draws ``--images`` of them and renders the one-row stimulus
``--repeats`` times each way, alternating (with model, without, with, ...) into fresh roots, so a
change of the machine's load hits both alike. Prints each render's seconds, the medians, their
ratio and the load average before and after; ``--json FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from explainers.folder_images import inputs_of  # noqa: E402
from explainers.image_sources import image_source  # noqa: E402
from explainers.models.model_registry import describe_bundle  # noqa: E402
from explainers.render_kinds import get_kind  # noqa: E402


def make_folder(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:128, 0:160]
    rows = ["image,label"]
    for i in range(n):
        px = np.empty((128, 160, 3), np.uint8)
        px[:] = rng.integers(0, 256, 3)
        cx, cy, r = rng.uniform(40, 120), rng.uniform(30, 98), rng.uniform(10, 40)
        px[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rng.integers(0, 256, 3)
        Image.fromarray(px).save(folder / f"img-{i:04d}.png")
        rows.append(f"img-{i:04d}.png,{i % 2}")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=str(REPO / "checkpoints" / "cnn"))
    ap.add_argument("--pool", type=int, default=400, help="images in the generated folder")
    ap.add_argument("--images", type=int, default=40, help="images the step shows")
    ap.add_argument("--size", type=int, default=128, help="the images' side on the page")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not 0 < args.images <= args.pool or args.repeats < 1:
        ap.error("need 0 < --images <= --pool and --repeats >= 1")
    info = describe_bundle(args.checkpoint)
    kind = get_kind("folder_images")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        make_folder(folder, args.pool)
        source = image_source({"source": "image_folder", "folder": str(folder),
                               "labels": str(folder / "labels.csv"), "size": args.size},
                              class_names=info.class_names)
        names = random.Random(0).sample(list(source.table["image"]), args.images)
        model = {"checkpoint": str(Path(args.checkpoint).resolve()), "hash": info.bundle_hash,
                 "class_names": list(info.class_names)}
        inputs = {"with model": inputs_of(source, [names], ["key: model"], model=model),
                  "without": inputs_of(source, [names], ["key: label"])}
        load_before = os.getloadavg()
        seconds: dict[str, list[float]] = {k: [] for k in inputs}
        said = None
        for r in range(args.repeats):
            for name, given in inputs.items():
                start = time.perf_counter()
                manifest = kind.render(given, root=Path(tmp) / f"root-{name}-{r}")
                seconds[name].append(time.perf_counter() - start)
                print(f"repeat {r + 1} {name}: {seconds[name][-1]:.2f} s")
                if name == "with model":
                    said = [c["scene"]["model"] for c in manifest["cells"]]
        load_after = os.getloadavg()
    medians = {k: statistics.median(v) for k, v in seconds.items()}
    ratio = medians["with model"] / medians["without"]
    print(f"{args.images} images at {args.size} px, model {info.plugin} "
          f"({info.image_size} px, {Path(args.checkpoint).name}): median with model "
          f"{medians['with model']:.2f} s, without {medians['without']:.2f} s, ratio {ratio:.2f}")
    print(f"predicted: {', '.join(f'{c} {said.count(c)}' for c in info.class_names)}")
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps({
            "machine": platform.platform(), "cpus": os.cpu_count(),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "checkpoint": str(args.checkpoint), "images": args.images, "size": args.size,
            "seconds": seconds, "median_s": medians, "ratio": ratio,
            "loadavg": [load_before, load_after]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
