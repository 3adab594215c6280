"""manage.py train_model: thin wrapper around explainers.models.train."""

from django.core.management.base import BaseCommand, CommandError

from explainers.models.config import ConfigError, load_config
from explainers.models.train import train


class Command(BaseCommand):
    help = "Train the invertible classifier and write its checkpoint bundle."

    def add_arguments(self, parser):
        parser.add_argument("--config", required=True, help="JSON config, e.g. configs/study.json")
        parser.add_argument("--out", required=True, help="output folder of the bundle")
        parser.add_argument("--resume", action="store_true", help="continue from OUT/train_state.pt")
        parser.add_argument("--device", default="cpu")

    def handle(self, *args, **opts):
        try:
            config = load_config(opts["config"])
            metrics = train(config, opts["out"], device=opts["device"], resume=opts["resume"])
        except (ConfigError, FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"validation accuracy {metrics['val']['accuracy']:.4f} after {metrics['steps']} steps;"
            f" bundle in {opts['out']}"
        )
