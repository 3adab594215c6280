"""manage.py property_gradients: gradual interventions, E[|grad_X|] and Algorithm 1's test."""

import json

from django.core.management.base import BaseCommand, CommandError

from explainers.interventions.run import add_options, run_from_options
from explainers.models.checkpoint import CheckpointError


class Command(BaseCommand):
    help = ("Intervene gradually on every factor, score E[|grad_X|] per image and factor and "
            "over images, test with K permutations; write CSVs and figures to --out.")

    def add_arguments(self, parser):
        add_options(parser)

    def handle(self, *args, **opts):
        shown = [-1]

        def progress(done, total):  # a line per 5 % of the renders and forward passes
            step = 20 * done // total
            if step > shown[0]:
                shown[0] = step
                self.stderr.write(f"{done}/{total} intervened images rendered and read")

        try:
            summary = run_from_options(opts, progress=progress)
        except (CheckpointError, FileNotFoundError, ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(summary, indent=2))
