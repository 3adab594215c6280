"""manage.py property_gradients: gradual interventions, E[|grad_X|] and Algorithm 1's test."""

import json

from django.core.management.base import BaseCommand, CommandError

from explainers.interventions.permutation import DEFAULT_ALPHA, DEFAULT_PERMUTATIONS
from explainers.interventions.run import DEFAULT_POINTS, run
from explainers.models import DEFAULT_CHECKPOINT
from explainers.models.checkpoint import CheckpointError
from explainers.models.model_registry import load_model
from explainers.synthetic import FACTORS


class Command(BaseCommand):
    help = ("Intervene gradually on every factor, score E[|grad_X|] per image and factor and "
            "over images, test with K permutations; write CSVs and figures to --out.")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", default=None, help="bundle folder (default: study)")
        parser.add_argument("--n", type=int, default=1000)
        parser.add_argument("--points", type=int, default=DEFAULT_POINTS)
        parser.add_argument("--permutations", type=int, default=DEFAULT_PERMUTATIONS)
        parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--sampler", default="study")
        parser.add_argument("--output", default="probability", choices=["probability", "logit"])
        parser.add_argument("--factors", nargs="+", default=list(FACTORS), choices=list(FACTORS))
        parser.add_argument("--legs-grid", action="store_true",
                            help="set the images' legs positions to n equidistant values in [0, 1]")
        parser.add_argument("--batch-size", type=int, default=256)
        parser.add_argument("--device", default="cpu")
        parser.add_argument("--forward", default="frozen", choices=["frozen", "eager"],
                            help="frozen TorchScript copy of the model (default) or the model")
        parser.add_argument("--out", required=True)

    def handle(self, *args, **opts):
        shown = [-1]

        def progress(done, total):  # a line per 5 % of the renders and forward passes
            step = 20 * done // total
            if step > shown[0]:
                shown[0] = step
                self.stderr.write(f"{done}/{total} intervened images rendered and read")

        try:
            model = load_model(opts["checkpoint"] or DEFAULT_CHECKPOINT,
                               device=opts["device"]).eval()
            summary = run(model, out=opts["out"], n=opts["n"], points=opts["points"],
                          permutations=opts["permutations"], alpha=opts["alpha"],
                          seed=opts["seed"], sampler=opts["sampler"], output=opts["output"],
                          factors=opts["factors"], batch_size=opts["batch_size"],
                          device=opts["device"], legs_grid=opts["legs_grid"],
                          forward=opts["forward"], progress=progress)
        except (CheckpointError, FileNotFoundError, ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(summary, indent=2))
