"""python manage.py visualize_units: feature visualisations (max and min) and natural exemplars
of units of a model's named layer, as PNGs (see explainers/feature_vis/units.py for the layout).

    python manage.py visualize_units --model cnn --layer layer2 --units 0,1 --steps 2560 --out out/
"""

from pathlib import Path

import torch
from django.core.management.base import BaseCommand, CommandError

from explainers.feature_vis import ImageFolder, LayerError, Recipe, SourceError, Two4TwoScenes
from explainers.feature_vis.sheet import unit_sheet
from explainers.feature_vis.units import visualize_units
from explainers.models.checkpoint import REPO_ROOT
from explainers.models.model_plugin import BundleError
from explainers.models.model_registry import UnknownModelPlugin, load_model


def _units(text: str) -> list[int]:
    try:
        units = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"--units must be comma-separated unit numbers, got {text!r}") from None
    if not units or any(u < 0 for u in units):
        raise CommandError(f"--units must name units 0, 1, ..., got {text!r}")
    return list(dict.fromkeys(units))


def bundle_folder(name: str) -> Path:
    """A bundle folder given by path, or by name under checkpoints/ (``cnn``, ``study``)."""
    path = Path(name)
    if path.is_dir():
        return path
    if (REPO_ROOT / "checkpoints" / name).is_dir():
        return REPO_ROOT / "checkpoints" / name
    known = sorted(p.name for p in (REPO_ROOT / "checkpoints").iterdir() if p.is_dir())
    raise CommandError(f"--model {name!r} is neither a folder nor a bundle in checkpoints/ "
                       f"(there: {', '.join(known) or 'none'})")


def module_name(model, layer: str) -> str:
    """The ``named_modules`` name of a plugin's named layer (``layer(name)``), or ``layer``."""
    if hasattr(model, "layer"):
        try:
            target = model.layer(layer)
        except (KeyError, ValueError):
            return layer
        for name, module in model.named_modules():
            if module is target:
                return name
    return layer


class Command(BaseCommand):
    help = ("Write feature visualisations (max and min, Olah et al. 2017 as Borowski et al. 2021 "
            "ran them) and the most / least activating natural images of units as PNGs.")

    def add_arguments(self, parser):
        parser.add_argument("--model", default="cnn",
                            help="bundle folder, or name of one in checkpoints/ (default: cnn)")
        parser.add_argument("--layer", help="named layer (default: the model's default layer)")
        parser.add_argument("--units", required=True, help="comma-separated channels, e.g. 0,1")
        parser.add_argument("--size", type=int, help="image size in px (default: model input)")
        parser.add_argument("--steps", type=int, default=2560, help="optimisation steps (2560)")
        parser.add_argument("--n-images", type=int, default=9, help="images per direction (9)")
        parser.add_argument("--diversity-weight", type=float, default=1e2,
                            help="weight of the diversity term (the paper's 1e2)")
        parser.add_argument("--learning-rate", type=float, default=0.05)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--source", default="two4two",
                            help="natural images: 'two4two' (scenes from --source-seed) or a "
                                 "folder of image files")
        parser.add_argument("--source-n", type=int, default=2000,
                            help="number of Two4Two scenes (2000)")
        parser.add_argument("--source-seed", type=int, default=0)
        parser.add_argument("--cache", help="folder for the activation index (default OUT/cache)")
        parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1)")
        parser.add_argument("--device", default="cpu")
        parser.add_argument("--sheet", help="also write a picture sheet of all units (PNG file)")
        parser.add_argument("--out", required=True, help="output folder")

    def handle(self, *args, **opts):
        units = _units(opts["units"])
        try:
            model = load_model(bundle_folder(opts["model"]), device=opts["device"])
        except (BundleError, UnknownModelPlugin) as exc:
            raise CommandError(str(exc)) from None
        info = model.info
        layer = opts["layer"] or info.default_layer
        if info.layers and layer not in info.layers and layer not in dict(model.named_modules()):
            raise CommandError(f"model {info.plugin} has no layer {layer!r}; its named layers: "
                               f"{', '.join(info.layers)}")
        size = opts["size"] or info.image_size
        try:
            recipe = Recipe.for_size(size, steps=opts["steps"], n_images=opts["n_images"],
                                     diversity_weight=opts["diversity_weight"],
                                     learning_rate=opts["learning_rate"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["source"] == "two4two":
            source = Two4TwoScenes(n=opts["source_n"], seed=opts["source_seed"],
                                   size=info.image_size)
        else:
            source = ImageFolder(Path(opts["source"]), size=info.image_size)
        out = Path(opts["out"])
        torch.set_num_threads(opts["threads"])
        try:
            pictures = visualize_units(
                model, module_name(model, layer), units, source, out, recipe=recipe,
                seed=opts["seed"], forward=model.logit, input_size=info.image_size,
                cache_dir=Path(opts["cache"]) if opts["cache"] else out / "cache",
                describe=info.to_dict(), progress=self.stdout.write,
            )
        except (LayerError, SourceError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        if opts["sheet"]:
            title = (f"{info.plugin} model, layer {layer}: feature visualisations ({recipe.steps} "
                     f"steps) and natural exemplars ({len(source.ids)} Two4Two scenes)"
                     if opts["source"] == "two4two" else
                     f"{info.plugin} model, layer {layer}: feature visualisations and exemplars")
            unit_sheet(pictures, title=title).save(opts["sheet"], optimize=True)
        self.stdout.write(self.style.SUCCESS(f"wrote {len(units)} unit(s) of {layer} to {out}"))
