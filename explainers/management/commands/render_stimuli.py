"""python manage.py render_stimuli STUDY_OR_YAML [--wait]: queue every (condition, variant)."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from explainers.plan import plan
from explainers.prerender import is_published
from explainers.tasks import render_job


def load_study(source: str):
    """A study spec from a YAML file, or from the database by slug."""
    from studies.spec import SpecError, load_spec_file, parse_spec

    try:
        if Path(source).suffix in {".yaml", ".yml"} or Path(source).is_file():
            return load_spec_file(source)
        from studies.models import Study

        study = Study.objects.filter(slug=source).first()
        if study is None:
            raise CommandError(f"{source!r} is neither a spec file nor the slug of a loaded study")
        return parse_spec(study.source_yaml, source=f"study {source}")
    except SpecError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = "Queue the rendering of every condition and variant of a study on the gpu queue."

    def add_arguments(self, parser):
        parser.add_argument("study", help="a study spec YAML file or the slug of a loaded study")
        parser.add_argument("--wait", action="store_true",
                            help="wait (with a progress bar) until every stimulus is published")
        parser.add_argument("--timeout", type=float, default=3600,
                            help="seconds to wait with --wait (default 3600)")

    def handle(self, *args, study, wait, timeout, **options):
        from studies.stimuli import checkpoint_path

        spec = load_study(study)
        conditions = [
            {"name": c.name, "explainer": c.explainer, "params": c.params,
             "variants": max(c.variants) + 1}
            for c in spec.conditions if not c.stimulus_key
        ]
        if not conditions:
            self.stdout.write("every condition names a fixed stimulus_key; nothing to render")
            return
        checkpoint = checkpoint_path(spec)
        try:
            jobs = plan(conditions, study_seed=spec.seed, checkpoint=checkpoint)
        except (ValueError, LookupError, RuntimeError) as exc:
            raise CommandError(f"cannot plan the stimuli of {study}: {exc}") from None
        root = Path(settings.STIMULI_ROOT)
        todo = [job for job in jobs if not is_published(root, job.key)]
        eager = settings.CELERY_TASK_ALWAYS_EAGER
        self.stdout.write(f"{len(jobs)} stimuli, {len(jobs) - len(todo)} already published; "
                          f"{'rendering here' if eager else 'queueing'} {len(todo)} "
                          f"(checkpoint {checkpoint}, STIMULI_ROOT {root})")
        bar = tqdm(total=len(jobs), initial=len(jobs) - len(todo), desc="published",
                   unit="stimulus", disable=not (eager or wait))
        results = []
        for job in todo:
            try:
                results.append((job, render_job.delay(job.to_dict())))
            except (ValueError, LookupError) as exc:  # eager: the job's own error
                raise CommandError(f"{job.condition} variant {job.variant}: {exc}") from None
            if eager:
                bar.update(1)
        if wait and not eager:
            deadline = time.monotonic() + timeout
            while bar.n < len(jobs):
                failed = [(job, r) for job, r in results if r.failed()]
                if failed:
                    job, r = failed[0]
                    raise CommandError(f"{len(failed)} render(s) failed; {job.condition} variant "
                                       f"{job.variant}: {r.result}")
                if time.monotonic() > deadline:
                    raise CommandError(f"timed out: {bar.n} of {len(jobs)} published")
                time.sleep(1)
                bar.update(sum(is_published(root, j.key) for j in jobs) - bar.n)
        bar.close()
        for name in dict.fromkeys(job.condition for job in jobs):
            done = sum(is_published(root, j.key) for j in jobs if j.condition == name)
            total = sum(1 for j in jobs if j.condition == name)
            self.stdout.write(f"  {name}: {done}/{total} published")
