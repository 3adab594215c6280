"""python manage.py list_image_sources: installed image sources and their options."""

import sys
from importlib.metadata import entry_points

from django.core.management.base import BaseCommand

from explainers.image_sources import available, get_image_source
from explainers.image_sources.base import REQUIRED
from explainers.image_sources.registry import GROUP


class Command(BaseCommand):
    help = ("List the image sources a spec's 'images' may name (entry points in "
            "'xai_studies.image_sources'), with what they offer and their options.")

    def handle(self, *args, **options):
        found = available()
        if not list(entry_points(group=GROUP)):
            self.stdout.write("(the shipped sources; no entry points found, is the package "
                              "installed? pip install -e .)")
        for name, where in found.items():
            cls = get_image_source(name)
            summary = (sys.modules[cls.__module__].__doc__ or "").strip().split("\n\n")[0]
            summary = " ".join(summary.split())
            offers = ", ".join(sorted(cls.offers)) or "images and labels"
            self.stdout.write(self.style.SUCCESS(f"  {name}") + f"  {summary}  [{where}]")
            self.stdout.write(f"    offers: {offers}")
            for key, (kind, default) in cls.options.items():
                kinds = kind if isinstance(kind, tuple) else (kind,)
                types = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
                shown = "required" if default is REQUIRED else f"default {default!r}"
                self.stdout.write(f"    {key}: {types}, {shown}")
