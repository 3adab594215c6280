"""A picture sheet and an activation table of CNN units from their *published* 2AFC stimuli
(render kinds ``unit_synthetic`` and ``unit_natural``, e.g. what ``prerender_borowski.py`` or
``manage.py render_stimuli borowski-exp1`` wrote), so the docs show exactly what participants
see::

    python benchmarks/unit_stimuli_sheet.py --root DIR --units layer3:1,layer3:2 \
        --out docs/feature_vis/exp1-stimuli.png

Per unit: the 9 synthetic max images, the 9 natural max references of batch 0, then the same
for min (``explainers.feature_vis.sheet.unit_sheet``). The table (Markdown, on stdout) gives the
activations stored in each cell's manifest entry. No Django; every file is hash-checked."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


@dataclasses.dataclass(frozen=True)
class UnitStimuli:
    """What ``unit_sheet`` draws for one unit, read from its two published stimuli."""

    layer: str
    unit: int
    synthetic_max: object  # torch.Tensor [N, 3, H, W] in [0, 1]
    synthetic_min: object
    natural_max_images: object
    natural_min_images: object
    activations: dict  # group -> list of the cells' activations


def find_units(root: Path) -> dict[tuple[str, str, int], dict]:
    """(kind, layer, unit) -> manifest of every published unit stimulus under ``root``."""
    from explainers.prerender import load_manifest

    found = {}
    for folder in sorted(p for p in root.iterdir() if (p / "manifest.json").is_file()):
        head = json.loads((folder / "manifest.json").read_text())
        if head.get("kind") not in ("unit_synthetic", "unit_natural"):
            continue
        manifest = load_manifest(root, folder.name)
        inputs = manifest["inputs"]
        found[(manifest["kind"], inputs["layer"], inputs["unit"])] = manifest
    return found


def _row(root: Path, manifest: dict, label: str, columns: list[str]):
    import torch
    from PIL import Image

    row = manifest["row_labels"].index(label)
    wanted = [manifest["col_labels"].index(c) for c in columns]
    cells = {(c["row"], c["col"]): c for c in manifest["cells"]}
    picked = [cells[(row, col)] for col in wanted]
    folder = root / manifest["key"]
    arrays = [np.asarray(Image.open(folder / c["file"]).convert("RGB")) for c in picked]
    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float() / 255
    return images, [float(c["extra"]["activation"]) for c in picked]


def unit_stimuli(root: Path, found: dict, layer: str, unit: int) -> UnitStimuli:
    try:
        synthetic = found[("unit_synthetic", layer, unit)]
        natural = found[("unit_natural", layer, unit)]
    except KeyError as missing:
        raise SystemExit(f"{layer}:{unit}: no published {missing.args[0][0]} stimulus under "
                         f"{root}") from None
    groups, activations = {}, {}
    synth_cols = synthetic["col_labels"]
    refs = [c for c in natural["col_labels"] if c.startswith("ref ")]
    for name, manifest, label, cols in (
        ("synthetic_max", synthetic, "synthetic max", synth_cols),
        ("synthetic_min", synthetic, "synthetic min", synth_cols),
        ("natural_max_images", natural, "batch 0 natural max", refs),
        ("natural_min_images", natural, "batch 0 natural min", refs),
    ):
        groups[name], activations[name] = _row(root, manifest, label, cols)
    return UnitStimuli(layer=layer, unit=unit, activations=activations, **groups)


def table(rows: list[UnitStimuli]) -> str:
    lines = ["| unit | synthetic max | natural max (batch 0) | synthetic min | natural min (batch 0) |",
             "| --- | --- | --- | --- | --- |"]
    for r in rows:
        a = r.activations
        cells = [f"{min(a[g]):.2f}-{max(a[g]):.2f}" for g in
                 ("synthetic_max", "natural_max_images", "synthetic_min", "natural_min_images")]
        lines.append(f"| {r.layer}:{r.unit} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _units(text: str) -> list[tuple[str, int]]:
    units = []
    for part in text.split(","):
        layer, _, unit = part.strip().rpartition(":")
        if not layer or not unit.isdigit():
            raise argparse.ArgumentTypeError(f"--units: {part!r} is not LAYER:UNIT")
        units.append((layer, int(unit)))
    return units


def main(argv=None) -> int:
    from explainers.feature_vis.sheet import unit_sheet

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", required=True, type=Path, help="stimulus root (published folders)")
    p.add_argument("--units", required=True, type=_units, help="LAYER:UNIT,...")
    p.add_argument("--out", required=True, type=Path, help="PNG to write")
    p.add_argument("--title", default="")
    args = p.parse_args(argv)
    found = find_units(args.root)
    rows = [unit_stimuli(args.root, found, layer, unit) for layer, unit in args.units]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    unit_sheet(rows, title=args.title).save(args.out)
    print(table(rows))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
