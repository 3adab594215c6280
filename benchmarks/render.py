"""Time the pre-rendering of every condition of a study (``--variants`` each); no Django.

    python benchmarks/render.py                                   # study 2, 20 variants, auto device
    python benchmarks/render.py --device cpu --variants 2         # a quick CPU figure
    python benchmarks/render.py --pictures docs/explainers        # also keep variant 0's grids
    python benchmarks/render.py --set concepts.min_correlation=0  # override a spec parameter
    python benchmarks/render.py --per-variant                     # one render call per variant
    python benchmarks/render.py --condition '{name: saliency, explainer: saliency}'  # add one
    python benchmarks/render.py --interleave --only baseline --only gradcam  # side by side

Renders into a fresh temporary STIMULI_ROOT (or ``--root``), so nothing is skipped as already
published. ``--interleave`` renders variant by variant, variant ``v`` of every condition before
variant ``v + 1`` (so that a change of the machine's load hits every condition alike), and
records each variant's seconds and their median (``variant_seconds``, ``median_s``) and the
load average before and after (``loadavg``). Prints one line per condition and the total; ``--json FILE`` writes the figures.
Exit status 1 if a condition failed (its error is printed; the others still run).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import torch  # noqa: E402
import yaml  # noqa: E402
from tqdm import tqdm  # noqa: E402

from explainers.models.model_registry import load_model  # noqa: E402
from explainers.prerender import render_stimulus, variant_seed  # noqa: E402
from explainers.validation_data import ValidationData  # noqa: E402


def ensure_builtin_explainers() -> list[str]:
    """Register the explainers that pyproject.toml declares but that are not installed (a plain
    checkout without ``pip install -e .``, e.g. on the GPU machine); returns their names."""
    import importlib
    import tomllib

    from explainers.plugins import registry

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = project["entry-points"][registry.GROUP]
    missing = sorted(set(declared) - set(registry.available()))
    for name in missing:
        module, _, attr = declared[name].partition(":")
        registry.register(getattr(importlib.import_module(module), attr))
    return missing


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def apply_overrides(conditions: list[dict], settings: list[str], parser) -> list[str]:
    by_name = {c["name"]: c for c in conditions}
    for setting in settings:
        target, _, value = setting.partition("=")
        name, _, param = target.partition(".")
        if not value or not param or name not in by_name:
            parser.error(f"--set {setting!r}: expected CONDITION.PARAM=VALUE with a condition "
                         f"of the spec ({', '.join(by_name)})")
        by_name[name].setdefault("params", {})[param] = yaml.safe_load(value)
    return settings


def render_together(explainer: str, params: dict, model, data, seeds, root) -> list[dict]:
    """Every variant rendered by one ``render_many`` call (the INN explainer batches its
    search across them), then published one by one exactly as ``render_stimulus`` does."""
    from explainers.plugins import get_explainer

    plugin = get_explainer(explainer)
    stimuli = plugin.render_many(model, data, rngs=[torch.Generator().manual_seed(s) for s in seeds],
                                 **params)
    manifests = []
    for seed, stimulus in zip(seeds, stimuli, strict=True):
        class Rendered(type(plugin)):  # same name, version and parameters: the same key
            def render(self, model, data, *, rng, _stimulus=stimulus, **params):
                return _stimulus

        manifests.append(render_stimulus(Rendered(), params, model=model, data=data, seed=seed,
                                         root=root))
    return manifests


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(REPO / "studies/specs/two4two-study2.yaml"))
    parser.add_argument("--checkpoint", help="default: the spec's checkpoint")
    parser.add_argument("--variants", type=int, default=20)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--validation-n", type=int, default=ValidationData.n)
    parser.add_argument("--root", help="STIMULI_ROOT to publish into (default: a temporary one)")
    parser.add_argument("--pictures", help="copy each condition's variant-0 grid here")
    parser.add_argument("--json", help="write the timings to this file")
    parser.add_argument("--per-variant", action="store_true",
                        help="render variant by variant (as a render worker does), not all of a "
                             "condition's variants in one render_many call")
    parser.add_argument("--set", action="append", default=[], metavar="COND.PARAM=VALUE",
                        help="override a condition's parameter (recorded in the output)")
    parser.add_argument("--interleave", action="store_true",
                        help="variant v of every condition before variant v + 1; per-variant "
                             "seconds and medians in the output")
    parser.add_argument("--only", action="append", default=[], metavar="CONDITION",
                        help="render only these conditions (repeat the option)")
    parser.add_argument("--condition", action="append", default=[], metavar="YAML",
                        help="add a condition to the spec's, e.g. '{name: saliency, explainer: "
                             "saliency}' (recorded in the output)")
    args = parser.parse_args(argv)

    registered = ensure_builtin_explainers()
    if registered:
        print(f"project not installed: registered {', '.join(registered)} from pyproject.toml")
    spec = yaml.safe_load(Path(args.spec).read_text())
    checkpoint = Path(args.checkpoint or spec.get("checkpoint") or "checkpoints/study")
    if not checkpoint.is_absolute():
        checkpoint = REPO / checkpoint
    root = Path(args.root) if args.root else Path(tempfile.mkdtemp(prefix="stimuli-bench-"))
    figures = {"device": args.device, "host": platform.node(), "variants": args.variants,
               "per_variant": args.per_variant,
               "checkpoint": str(checkpoint), "spec": str(args.spec), "conditions": {}}
    if args.device.startswith("cuda"):
        figures["gpu"] = torch.cuda.get_device_name(0)
    for text in args.condition:
        added = yaml.safe_load(text)
        if not isinstance(added, dict) or not isinstance(added.get("name"), str):
            parser.error(f"--condition {text!r}: expected a mapping with a name")
        spec["conditions"].append(added)
    if args.condition:
        figures["added_conditions"] = list(args.condition)
    figures["overrides"] = apply_overrides(spec["conditions"], args.set, parser)
    if args.only:
        unknown = sorted(set(args.only) - {c["name"] for c in spec["conditions"]})
        if unknown:
            parser.error(f"--only {unknown}: not conditions of the spec")
        spec["conditions"] = [c for c in spec["conditions"] if c["name"] in args.only]

    t0 = time.perf_counter()
    model = load_model(checkpoint, device=args.device)  # any model plugin's bundle
    data = ValidationData(size=model.image_size, n=args.validation_n)
    pool = data.pool(device=args.device, progress=True)
    pool.logits(model)
    sync(args.device)
    figures["checkpoint_hash"] = model.bundle_hash
    figures["setup_s"] = round(time.perf_counter() - t0, 2)
    print(f"model + {len(pool)} validation images ({model.image_size}px) + logits: "
          f"{figures['setup_s']} s on {args.device}")

    if args.interleave:
        failed = interleaved(spec, args, model, data, root, figures)
        figures["total_s"] = round(time.perf_counter() - t0, 2)
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
        if not args.root:
            shutil.rmtree(root, ignore_errors=True)
        return 1 if failed else 0

    failed = False
    for cond in spec["conditions"]:
        name, explainer, params = cond["name"], cond.get("explainer", cond["name"]), cond.get(
            "params") or {}
        start = time.perf_counter()
        keys = []
        seeds = [variant_seed(spec.get("seed", 0), v) for v in range(args.variants)]
        try:
            if args.per_variant:
                for seed in tqdm(seeds, desc=name, unit="variant"):
                    manifest = render_stimulus(explainer, params, model=model, data=data,
                                               seed=seed, root=root)
                    keys.append(manifest["key"])
            else:
                for manifest in render_together(explainer, params, model, data, seeds, root):
                    keys.append(manifest["key"])
            sync(args.device)
        except Exception as exc:  # noqa: BLE001 - report and go on with the other conditions
            failed = True
            figures["conditions"][name] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"{name}: FAILED after {len(keys)} variants: {type(exc).__name__}: {exc}")
            continue
        seconds = time.perf_counter() - start
        figures["conditions"][name] = {"seconds": round(seconds, 2), "keys": keys}
        print(f"{name}: {args.variants} variants in {seconds:.1f} s "
              f"({seconds / args.variants:.2f} s each)")
        if args.pictures:
            out = Path(args.pictures)
            out.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / keys[0] / manifest["grid_image"], out / f"{name}.png")
            shutil.copyfile(root / keys[0] / "manifest.json", out / f"{name}.manifest.json")
    figures["total_s"] = round(time.perf_counter() - t0, 2)
    print(f"total: {figures['total_s']} s for {len(spec['conditions'])} conditions x "
          f"{args.variants} variants on {args.device}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    if not args.root:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


def interleaved(spec: dict, args, model, data, root, figures: dict) -> bool:
    """Variant ``v`` of every condition, then ``v + 1``; each render timed on its own."""
    import os
    import statistics

    figures["loadavg"] = {"before": os.getloadavg()}
    times: dict[str, list[float]] = {c["name"]: [] for c in spec["conditions"]}
    keys: dict[str, list[str]] = {c["name"]: [] for c in spec["conditions"]}
    failed = False
    for v in range(args.variants):
        seed = variant_seed(spec.get("seed", 0), v)
        for cond in spec["conditions"]:
            name = cond["name"]
            if name in figures["conditions"]:  # failed before
                continue
            start = time.perf_counter()
            try:
                manifest = render_stimulus(cond.get("explainer", name), cond.get("params") or {},
                                           model=model, data=data, seed=seed, root=root)
                sync(args.device)
            except Exception as exc:  # noqa: BLE001 - report and go on with the other conditions
                failed = True
                figures["conditions"][name] = {"error": f"{type(exc).__name__}: {exc}"}
                print(f"{name}: FAILED at variant {v}: {type(exc).__name__}: {exc}")
                continue
            times[name].append(round(time.perf_counter() - start, 3))
            keys[name].append(manifest["key"])
            print(f"variant {v} {name}: {times[name][-1]:.2f} s")
    figures["loadavg"]["after"] = os.getloadavg()
    for name, seconds in times.items():
        if name in figures["conditions"]:
            continue
        figures["conditions"][name] = {"variant_seconds": seconds, "keys": keys[name],
                                       "median_s": round(statistics.median(seconds), 3)}
        print(f"{name}: median {statistics.median(seconds):.2f} s per variant ({seconds})")
    return failed


if __name__ == "__main__":
    sys.exit(main())
