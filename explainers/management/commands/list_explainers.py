"""python manage.py list_explainers: every installed explainer, its version and parameters."""

from django.core.management.base import BaseCommand, CommandError

from explainers.plugins.registry import available, get_explainer


class Command(BaseCommand):
    help = "List the installed explainers (entry points in 'xai_studies.explainers')."

    def handle(self, *args, **options):
        found = available()
        if not found:
            raise CommandError("no explainers installed; run: pip install -e .")
        for name, where in found.items():
            try:
                explainer = get_explainer(name)
            except Exception as exc:  # noqa: BLE001 - a broken plugin is reported, not fatal
                self.stdout.write(f"{name}  (cannot be loaded: {exc})  [{where}]")
                continue
            self.stdout.write(self.style.SUCCESS(f"{name}") + f"  version {explainer.version}"
                              f"  [{where}]")
            for param, kind, default in explainer.param_schema():
                self.stdout.write(f"    {param}: {kind} = {default!r}")
