"""manage.py make_dataset: thin wrapper around explainers.synthetic.io.write_dataset."""

from django.core.management.base import BaseCommand, CommandError

from explainers.synthetic import SAMPLERS, get_sampler
from explainers.synthetic.io import DatasetError, write_dataset


def _param(text: str) -> tuple[str, float]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise CommandError(f"--param expects NAME=NUMBER, got {text!r}")
    try:
        return key.strip(), float(value)
    except ValueError:
        raise CommandError(f"--param {key}: {value!r} is not a number") from None


class Command(BaseCommand):
    help = "Render a Peeky/Stretchy dataset: DIR/images/*.png, DIR/params.csv, DIR/manifest.json."

    def add_arguments(self, parser):
        parser.add_argument("--sampler", default="study", help=f"one of: {', '.join(SAMPLERS)}")
        parser.add_argument("--n", type=int, required=True, help="number of images")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--size", type=int, default=128, help="image side in pixels")
        parser.add_argument("--out", required=True, help="output directory")
        parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
        parser.add_argument("--batch-size", type=int, default=256)
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=NUMBER",
            help="sampler parameter, e.g. --param color_strength=5 (repeatable)",
        )
        parser.add_argument("--force", action="store_true", help="overwrite a non-empty --out")

    def handle(self, *args, **opts):
        params = dict(_param(p) for p in opts["param"])
        try:
            sampler = get_sampler(opts["sampler"], **params)
            manifest = write_dataset(
                opts["out"],
                sampler=sampler,
                n=opts["n"],
                seed=opts["seed"],
                size=opts["size"],
                device=opts["device"],
                batch_size=opts["batch_size"],
                force=opts["force"],
                progress=opts["verbosity"] > 0,
            )
        except (DatasetError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"wrote {manifest['n']} images ({manifest['size']}px, sampler {opts['sampler']}) to "
            f"{opts['out']}; content hash {manifest['content_hash'][:12]}"
        )
