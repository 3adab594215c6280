"""manage.py evaluate_model: held-out accuracy and logit statistics as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from explainers.models.checkpoint import CheckpointError, load_checkpoint
from explainers.models.evaluate import evaluate_model


class Command(BaseCommand):
    help = "Evaluate a checkpoint on freshly generated held-out scenes; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", default=None, help="bundle folder (default: study)")
        parser.add_argument("--n", type=int, default=2000)
        parser.add_argument("--sampler", default="study")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--device", default="cpu")

    def handle(self, *args, **opts):
        if opts["n"] < 1:
            raise CommandError("--n must be positive")
        try:
            model = load_checkpoint(opts["checkpoint"], device=opts["device"])
            result = evaluate_model(model, n=opts["n"], sampler=opts["sampler"],
                                    seed=opts["seed"])
        except (CheckpointError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2))
