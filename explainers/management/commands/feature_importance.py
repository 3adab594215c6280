"""manage.py feature_importance: measured ground truth of a checkpoint (JSON, CSV, MD, PNG)."""

import json

from django.core.management.base import BaseCommand, CommandError

from explainers.models.checkpoint import CheckpointError
from explainers.models.feature_importance import run
from explainers.models.ground_truth import R2_THRESHOLD


class Command(BaseCommand):
    help = "Measure each factor's importance for the model and write ground_truth.json & co."

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", default=None, help="bundle folder (default: study)")
        parser.add_argument("--n", type=int, default=5000)
        parser.add_argument("--out", required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--device", default="cpu")
        parser.add_argument("--threshold", type=float, default=R2_THRESHOLD)
        parser.add_argument("--observer", default=None,
                            help="observer folder (default CHECKPOINT/observer; trained if absent)")
        parser.add_argument("--observer-train", type=int, default=20000)
        parser.add_argument("--observer-epochs", type=int, default=15)
        parser.add_argument("--counterfactuals", type=int, default=100)

    def handle(self, *args, **opts):
        if opts["n"] < 10 or opts["counterfactuals"] < 1:
            raise CommandError("--n must be at least 10 and --counterfactuals positive")
        try:
            result = run(opts["checkpoint"], out=opts["out"], n=opts["n"], seed=opts["seed"],
                         device=opts["device"], threshold=opts["threshold"],
                         observer_dir=opts["observer"], observer_train=opts["observer_train"],
                         observer_epochs=opts["observer_epochs"],
                         n_counterfactuals=opts["counterfactuals"])
        except (CheckpointError, FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps({"answer_key": result["answer_key"]}, indent=2))
