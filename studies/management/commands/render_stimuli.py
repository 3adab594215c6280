"""python manage.py render_stimuli STUDY_OR_YAML [--wait]: queue every (condition, variant).

Each render is first recorded as owed (studies.renders), then sent; ``--wait`` reads the records
(not the result backend) and reconciles while it waits, so it rides out a broker restart."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from explainers.prerender import is_published
from studies import renders
from studies.loading import find_spec
from studies.models import OwedRender, RenderState
from studies.spec import SpecError
from studies.stimuli import checkpoint_path, render_jobs

RECONCILE_S = 5.0


class Command(BaseCommand):
    help = "Queue the rendering of every condition and variant of a study on the gpu queue."

    def add_arguments(self, parser):
        parser.add_argument("study", help="a study spec YAML file or the slug of a loaded study")
        parser.add_argument("--wait", action="store_true",
                            help="wait (with a progress bar) until every stimulus is published")
        parser.add_argument("--timeout", type=float, default=3600,
                            help="seconds to wait with --wait (default 3600)")

    def handle(self, *args, study, wait, timeout, **options):
        try:
            spec = find_spec(study)
        except (SpecError, LookupError) as exc:
            raise CommandError(str(exc)) from None
        checkpoint = checkpoint_path(spec)
        try:
            jobs = render_jobs(spec)
        except (ValueError, LookupError, RuntimeError) as exc:
            raise CommandError(f"cannot plan the stimuli of {study}: {exc}") from None
        if not jobs:
            self.stdout.write("nothing to render (every condition names a fixed stimulus_key, "
                              "no step shows explanations and no 2AFC block is generated)")
            return
        root = Path(settings.STIMULI_ROOT)
        todo = [job for job in jobs if not is_published(root, job.key)]
        eager = settings.CELERY_TASK_ALWAYS_EAGER
        self.stdout.write(f"{len(jobs)} stimuli, {len(jobs) - len(todo)} already published; "
                          f"{'rendering here' if eager else 'queueing'} {len(todo)} "
                          f"(checkpoint {checkpoint}, STIMULI_ROOT {root})")
        bar = tqdm(total=len(jobs), initial=len(jobs) - len(todo), desc="published",
                   unit="stimulus", disable=not (eager or wait))
        unsent = 0
        for row in renders.owe(todo):  # known to the database before any message is sent
            try:
                unsent += not renders.send(row)
            except (ValueError, LookupError) as exc:  # eager: the job's own error
                raise CommandError(f"{row.label}: {exc}") from None
            if eager:
                bar.update(1)
        if unsent:
            self.stderr.write(f"{unsent} render(s) not sent (broker unreachable); they stay owed "
                              "and are sent by the reconcile task (celery beat) or --wait")
        if wait and not eager:
            self._wait(jobs, root, bar, timeout)
        bar.close()
        for name in dict.fromkeys(job.condition for job in jobs):
            done = sum(is_published(root, j.key) for j in jobs if j.condition == name)
            total = sum(1 for j in jobs if j.condition == name)
            self.stdout.write(f"  {name}: {done}/{total} published")

    def _wait(self, jobs, root, bar, timeout):
        """Until every job is published: fails on a render that failed for good, and reconciles
        (sends lost renders again) every RECONCILE_S, so a broker restart is ridden out."""
        keys = [job.key for job in jobs]
        deadline = time.monotonic() + timeout
        next_reconcile = time.monotonic() + RECONCILE_S
        while bar.n < len(jobs):
            failed = OwedRender.objects.filter(key__in=keys, state=RenderState.FAILED)
            if failed:
                raise CommandError(f"{len(failed)} render(s) failed; {failed[0].label}: "
                                   f"{failed[0].error}")
            if time.monotonic() > deadline:
                raise CommandError(f"timed out: {bar.n} of {len(jobs)} published")
            if time.monotonic() > next_reconcile:
                counts = renders.reconcile(keys)
                if counts["sent"] or counts["unreachable"]:
                    self.stderr.write(f"reconcile: {dict(counts)}")
                next_reconcile = time.monotonic() + RECONCILE_S
            time.sleep(1)
            bar.update(sum(is_published(root, key) for key in keys) - bar.n)
