"""Picture sheet of unselected INN counterfactual rows with the observer's reading under each.

    python benchmarks/cf_sheet.py                                  # docs/model/counterfactual_rows.png
    python benchmarks/cf_sheet.py --checkpoint DIR --out X.png --seed 7 --rows 6

The rows are the shipped INN explainer's own (``get_explainer("inn")`` on the study's validation
pool, the study-2 condition's parameters): start images drawn at random by ``--seed``, no row
picked by hand; the explainer's own rule still applies (a start image whose row misses a target
or clamps more than 1% of its pixels is replaced by the next random one). The layout is the
paper's Figure 1b: one row per start image, the columns ordered by the model's logit from the
most Peeky to the most Stretchy column, the logit the shown image has above each cell. Under
each row the observer of the checkpoint (``observer/``) reads every factor off the five shown
images: its change along the row (max - min, as a fraction of the factor's range; yaw as the
shortest arc), the three factors the model relies on first. These are five column centres, not
the 11 steps over 99% of the logits of ``ground_truth.json``'s ``cf_max_change``. No Django.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

RELIED = ("legs_position", "color", "shape")  # the study's biased factors (ground truth)
SHORT = {"legs_position": "legs", "color": "colour", "shape": "shape", "background": "bg",
         "yaw": "yaw", "roll": "roll", "pitch": "pitch", "bending": "bend",
         "position_x": "pos x", "position_y": "pos y"}


def observed_changes(observer, row_images: np.ndarray) -> dict[str, float]:
    """Observer-read change of every factor along one row of uint8 HxWx3 images."""
    from explainers.models.observer import predictions_to_factors

    x = torch.as_tensor(row_images).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        factors = predictions_to_factors(observer(x))
    out = {}
    for name, v in factors.items():
        v = v.double().numpy()
        if name == "yaw":
            diff = np.abs(v[:, None] - v[None, :])
            out[name] = float(np.minimum(diff, 1 - diff).max())
        else:
            out[name] = float(v.max() - v.min())
    return out


def sheet(stimulus, changes: list[dict[str, float]], *, title: str, scale: int = 2) -> Image.Image:
    cells = stimulus.cells
    h, w = cells[0][0].image.shape[:2]
    cw, ch = w * scale, h * scale
    pad, label_h, text_h, head_h = 6, 14, 30, 44
    cols = len(cells[0])
    width = max(pad + cols * (cw + pad), 560)
    height = head_h + len(cells) * (label_h + ch + text_h)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    draw.text((pad, 4), title, fill="black", font=font)
    draw.text((pad, 20), "more Peeky  <-  model logit  ->  more Stretchy    (observer: change "
              "along the row, fraction of the factor's range)", fill=(90, 90, 90), font=font)
    y = head_h
    for row, change in zip(cells, changes, strict=True):
        for c, cell in enumerate(row):
            x = pad + c * (cw + pad)
            draw.text((x, y), f"logit {cell.logit:+.2f}", fill=(60, 60, 60), font=font)
            tile = Image.fromarray(cell.image).resize((cw, ch), Image.NEAREST)
            img.paste(tile, (x, y + label_h))
        relied = "  ".join(f"{SHORT[k]} {change[k]:.2f}" for k in RELIED)
        others = "  ".join(f"{SHORT[k]} {v:.2f}" for k, v in change.items() if k not in RELIED)
        ty = y + label_h + ch + 2
        draw.text((pad, ty), "relied on: " + relied, fill=(0, 0, 150), font=font)
        draw.text((pad, ty + 13), "others: " + others, fill=(100, 100, 100), font=font)
        y += label_h + ch + text_h
    return img


def main(argv=None) -> int:
    import yaml

    from benchmarks.render import ensure_builtin_explainers
    from explainers.models.model_registry import load_model
    from explainers.models.observer import load_observer
    from explainers.plugins import get_explainer
    from explainers.validation_data import ValidationData

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=str(REPO / "checkpoints/study"))
    parser.add_argument("--spec", default=str(REPO / "studies/specs/two4two-study2.yaml"))
    parser.add_argument("--seed", type=int, default=2026, help="draws the start images")
    parser.add_argument("--rows", type=int, default=6)
    parser.add_argument("--out", default=str(REPO / "docs/model/counterfactual_rows.png"))
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= 20:
        parser.error(f"--rows must be between 1 and 20, got {args.rows}")

    ensure_builtin_explainers()
    spec = yaml.safe_load(Path(args.spec).read_text())
    params = next(c.get("params") or {} for c in spec["conditions"] if c["name"] == "inn")
    model = load_model(Path(args.checkpoint), device="cpu")
    observer, _ = load_observer(Path(args.checkpoint) / "observer")
    data = ValidationData(size=model.image_size)
    stim = get_explainer("inn").render(model, data, rng=torch.Generator().manual_seed(args.seed),
                                       **{**params, "rows": args.rows})
    changes = [observed_changes(observer, np.stack([c.image for c in row])) for row in stim.cells]
    mean = {k: float(np.mean([c[k] for c in changes])) for k in changes[0]}
    title = (f"INN counterfactual rows, unselected (seed {args.seed}), checkpoint "
             f"{model.bundle_hash[:12]}; mean change: "
             + ", ".join(f"{SHORT[k]} {mean[k]:.2f}" for k in RELIED))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet(stim, changes, title=title).save(out, optimize=True)
    print(f"wrote {out}")
    for i, change in enumerate(changes):
        print(f"row {i}: " + "  ".join(f"{SHORT[k]} {v:.3f}" for k, v in change.items()))
    print("mean:  " + "  ".join(f"{SHORT[k]} {v:.3f}" for k, v in mean.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
