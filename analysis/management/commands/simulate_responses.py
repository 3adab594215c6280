"""Synthetic participants (tidy CSV) for pilots, or a Monte Carlo power analysis."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from analysis import prereg, simulate
from analysis.power import plot_power, power_curve
from analysis.results import AnalysisError


class Command(BaseCommand):
    help = ("Simulate responses in the tidy format (--out FILE.csv) or, with --power, estimate "
            "the power of the preregistered tests per sample size (--out DIR: power.csv, "
            "power.png).")

    def add_arguments(self, parser):
        parser.add_argument("--prereg", required=True)
        parser.add_argument("--n-per-condition", type=int, default=80)
        parser.add_argument("--accuracy", nargs="*", default=[],
                            help="condition:attribute=p or condition=p (all attributes)")
        parser.add_argument("--default-accuracy", type=float, default=0.75)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--clean", action="store_true", help="nobody meets an exclusion rule")
        parser.add_argument("--out", required=True)
        parser.add_argument("--power", action="store_true")
        parser.add_argument("--sizes", default="20,40,60,80,100")
        parser.add_argument("--reps", type=int, default=50)

    def handle(self, *args, **o):
        try:
            document = prereg.load(o["prereg"])
            accuracy = simulate.parse_accuracies(o["accuracy"], document)
            if o["power"]:
                try:
                    sizes = [int(s) for s in o["sizes"].split(",") if s.strip()]
                except ValueError as exc:
                    raise CommandError(f"--sizes {o['sizes']!r}: comma-separated integers") from exc
                curve = power_curve(document, sizes=sizes, reps=o["reps"], accuracy=accuracy,
                                    seed=o["seed"])
                out = Path(o["out"])
                out.mkdir(parents=True, exist_ok=True)
                curve.to_csv(out / "power.csv", index=False)
                plot_power(curve, out / "power.png")
                self.stdout.write(f"power analysis written: {out / 'power.csv'}, "
                                  f"{out / 'power.png'}")
                return
            frame = simulate.simulate(document, n_per_condition=o["n_per_condition"],
                                      accuracy=accuracy, seed=o["seed"], clean=o["clean"],
                                      default_accuracy=o["default_accuracy"])
            Path(o["out"]).parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(o["out"], index=False)
        except (prereg.PreregError, AnalysisError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{frame['participant'].nunique()} participants written to {o['out']}")
