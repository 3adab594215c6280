"""python manage.py list_models: installed model plugins and the model bundles found."""

from pathlib import Path

from django.core.management.base import BaseCommand

from explainers.models.checkpoint import REPO_ROOT
from explainers.models.model_plugin import BUNDLE_DESCRIPTOR
from explainers.models.model_registry import (
    available,
    describe_bundle,
    get_model_plugin,
    installed,
)


class Command(BaseCommand):
    help = ("List the installed model plugins (entry points in 'xai_studies.models') and the "
            "bundles under checkpoints/ (or the folders given) with what each model offers.")

    def add_arguments(self, parser):
        parser.add_argument("bundles", nargs="*", help="bundle folders (default: checkpoints/*)")

    def handle(self, *args, **options):
        found = available()
        if not installed():
            self.stdout.write("(no entry points: this checkout is not installed, so only the "
                              "shipped plugins are listed; pip install -e .)")
        self.stdout.write("plugins:")
        for name, where in found.items():
            try:
                plugin = get_model_plugin(name)
            except Exception as exc:  # noqa: BLE001 - a broken plugin is reported, not fatal
                self.stdout.write(f"  {name}  (cannot be loaded: {exc})  [{where}]")
                continue
            self.stdout.write(self.style.SUCCESS(f"  {name}") + f"  {plugin.description}  [{where}]")
        folders = [Path(b) for b in options["bundles"]] or sorted(
            p.parent for p in (REPO_ROOT / "checkpoints").glob(f"*/{BUNDLE_DESCRIPTOR}"))
        self.stdout.write("bundles:")
        for folder in folders:
            try:
                info = describe_bundle(folder)
            except Exception as exc:  # noqa: BLE001 - a broken bundle is reported, not fatal
                self.stdout.write(f"  {folder}  (cannot be read: {exc})")
                continue
            self.stdout.write(self.style.SUCCESS(f"  {folder}") + f"  plugin {info.plugin}, "
                              f"bundle {info.bundle_hash[:12]}")
            self.stdout.write(f"    input: {info.image_size}x{info.image_size}, "
                              f"{info.preprocessing}")
            self.stdout.write(f"    classes: {info.class_names[0]} (logit < 0), "
                              f"{info.class_names[1]} (logit > 0)")
            self.stdout.write(f"    offers: {', '.join(sorted(info.capabilities))}")
            if info.layers:
                layers = info.layers if len(info.layers) <= 8 else (
                    *info.layers[:4], "...", *info.layers[-2:])
                self.stdout.write(f"    layers: {', '.join(layers)} (default "
                                  f"{info.default_layer})")
