"""Synthetic participants (tidy CSV) for pilots, or a Monte Carlo power analysis."""

from pathlib import Path

import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from analysis import power, prereg, simulate, tidy
from analysis.results import AnalysisError
from studies.spec import SpecError, load_spec_file


class Command(BaseCommand):
    help = ("Simulate responses in the tidy format (--out FILE.csv) or, with --power, estimate "
            "the power of the preregistered tests per number of participants to recruit "
            "(--out DIR: power.csv, recruit.csv, power.png).")

    def add_arguments(self, parser):
        parser.add_argument("--prereg", required=True)
        parser.add_argument("--spec", help="the study spec (YAML) whose steps, gates and time "
                                           "limit the simulated sessions walk (not for --power)")
        parser.add_argument("--n-per-condition", type=int, default=80)
        parser.add_argument("--accuracy", nargs="*", default=[],
                            help="condition:attribute=p or condition=p (all attributes); for a "
                                 "trial design condition=p, the probability of a correct trial")
        parser.add_argument("--default-accuracy", type=float, default=0.75)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--clean", action="store_true", help="nobody meets an exclusion rule")
        parser.add_argument("--out", required=True)
        parser.add_argument("--power", action="store_true")
        parser.add_argument("--sizes", default="20,40,60,80,100",
                            help="participants to recruit (per condition in a between design)")
        parser.add_argument("--reps", type=int, default=1000)
        parser.add_argument("--exclusion-rate", type=float,
                            help="stated share of recruited participants that will be excluded")
        parser.add_argument("--pilot", help="tidy export of a pilot: its exclusion share is used")
        parser.add_argument("--trials", type=int, default=0,
                            help="trial designs: main trials per condition and participant")
        parser.add_argument("--subject-sd", type=float, default=None,
                            help="trial designs: SD of the participants' logit offsets")
        parser.add_argument("--tests", default="",
                            help="comma-separated analysis ids (default: every preregistered test)")
        parser.add_argument("--target", type=float, default=0.8)

    def handle(self, *args, **o):
        try:
            document = prereg.load(o["prereg"])
            if o["power"]:
                self.power(document, o)
                return
            if not o["spec"]:
                raise CommandError("--spec FILE (the study spec the sessions walk) is required "
                                   "to simulate responses")
            spec = load_spec_file(o["spec"])
            accuracy = simulate.parse_accuracies(o["accuracy"], document)
            frame = simulate.simulate(document, spec=spec, n_per_condition=o["n_per_condition"],
                                      accuracy=accuracy, seed=o["seed"], clean=o["clean"],
                                      default_accuracy=o["default_accuracy"])
            Path(o["out"]).parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(o["out"], index=False)
        except (prereg.PreregError, AnalysisError, SpecError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{frame['participant'].nunique()} participants written to {o['out']}")

    def power(self, document, o):
        if (o["exclusion_rate"] is None) == (o["pilot"] is None):
            raise CommandError("--power needs exactly one of --exclusion-rate (stated) or "
                               "--pilot FILE (the share excluded in a pilot export)")
        if document.design == "trials" and o["subject_sd"] is None:
            raise CommandError("a trial design needs --subject-sd (0 for identical participants)")
        attrition = (power.Attrition.stated(o["exclusion_rate"]) if o["pilot"] is None else
                     power.Attrition.from_pilot(tidy.read_table(o["pilot"]), document,
                                                name=Path(o["pilot"]).name))
        effects = power.parse_effects(o["accuracy"], document, trials=o["trials"],
                                      subject_sd=o["subject_sd"] or 0.0)
        try:
            sizes = [int(s) for s in o["sizes"].split(",") if s.strip()]
        except ValueError as exc:
            raise CommandError(f"--sizes {o['sizes']!r}: comma-separated integers") from exc
        tests = [t.strip() for t in o["tests"].split(",") if t.strip()] or None
        curve = power.power_curve(document, sizes=sizes, reps=o["reps"], effects=effects,
                                  attrition=attrition, seed=o["seed"], tests=tests)
        recruit = power.recruit_for(curve, target=o["target"])
        out = Path(o["out"])
        out.mkdir(parents=True, exist_ok=True)
        curve.to_csv(out / "power.csv", index=False)
        recruit.to_csv(out / "recruit.csv", index=False)
        unit = power.size_unit(document)
        power.plot_power(curve, out / "power.png", unit=unit, target=o["target"])
        self.stdout.write(f"{o['reps']} simulated studies per size, seed {o['seed']}; "
                          f"attrition: {attrition.source} (keep {attrition.keep:.1%})")
        for row in recruit.itertuples():
            told = (f"recruit {row.recruit} {unit}" if not pd.isna(row.recruit) else
                    f"not reached with up to {max(sizes)} {unit}")
            self.stdout.write(f"power >= {row.target:g} for {row.test}: {told}")
        self.stdout.write(f"power analysis written: {out / 'power.csv'}, {out / 'recruit.csv'}, "
                          f"{out / 'power.png'}")
