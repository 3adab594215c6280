from django.core.management.base import BaseCommand, CommandError

from studies.exports import explorer_actions as _explorer_actions
from studies.exports import tidy_responses, write_responses
from studies.models import Study


class Command(BaseCommand):
    help = "Write the tidy responses of a study (docs/architecture.md, Contract 4)."

    def add_arguments(self, parser):
        parser.add_argument("study", help="study slug")
        parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
        parser.add_argument("--out", required=True)
        parser.add_argument("--include-pilot", action="store_true",
                            help="also export pilot sessions (column 'pilot' marks them)")
        parser.add_argument("--explorer-actions", metavar="FILE",
                            help="also write the explorer's action log (one row per action)")

    def handle(self, *args, study, format, out, include_pilot, explorer_actions=None,
               **options):
        found = Study.objects.filter(slug=study).first()
        if found is None:
            known = ", ".join(Study.objects.values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"no study {study!r} (known: {known})")
        frame = tidy_responses(found, include_pilot=include_pilot)
        try:
            path = write_responses(frame, out, format)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc}") from None
        self.stdout.write(f"wrote {len(frame)} rows of {frame['participant'].nunique()} "
                          f"participants to {path}")
        if explorer_actions:
            actions = _explorer_actions(found, include_pilot=include_pilot)
            try:
                actions.to_csv(explorer_actions, index=False)
            except OSError as exc:
                raise CommandError(f"cannot write {explorer_actions}: {exc}") from None
            self.stdout.write(f"wrote {len(actions)} explorer actions to {explorer_actions}")
