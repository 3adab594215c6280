"""Create (and optionally publish) the Prolific study for a loaded study spec."""

import json
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from studies.models import Study
from studies.prolific.client import ProlificClient
from studies.prolific.drafts import DraftError, draft_payload
from studies.prolific.errors import ProlificError


class Command(BaseCommand):
    help = ("Create a Prolific study draft for STUDY (stores its id); --publish makes it live; "
            "--dry-run prints the request instead of sending it.")

    def add_arguments(self, parser):
        parser.add_argument("study", help="study slug")
        parser.add_argument("--server-url", required=True,
                            help="public https:// address of this server")
        parser.add_argument("--minutes", type=int, help="estimated completion time")
        parser.add_argument("--places", type=int, help="default: sum of condition targets")
        parser.add_argument("--reward-gbp", help="default: spec payment.base")
        parser.add_argument("--publish", action="store_true")
        parser.add_argument("--dry-run", action="store_true",
                            help="print the POST it would send (reads Prolific's filter list only)")

    def handle(self, *args, study, server_url, minutes, places, reward_gbp, publish, dry_run,
               **kw):
        obj = Study.objects.filter(slug=study).first()
        if obj is None:
            raise CommandError(f"no study {study!r} (load its spec first)")
        if obj.prolific_study_id and not dry_run:
            raise CommandError(f"{study} already has Prolific study {obj.prolific_study_id}")
        try:
            reward = Decimal(reward_gbp) if reward_gbp else None
            client = ProlificClient.from_settings()
            payload = draft_payload(obj, server_url=server_url, minutes=minutes, places=places,
                                    reward_gbp=reward, filter_catalogue=client.list_filters())
            if dry_run:
                self.stdout.write(f"POST {client.base_url}studies/\n"
                                  + json.dumps(payload, indent=2, ensure_ascii=False))
                return
            draft = client.create_study_draft(payload)
            obj.prolific_study_id = draft.id
            obj.save(update_fields=["prolific_study_id", "updated_at"])
            self.stdout.write(f"created Prolific study {draft.id} ({payload['reward']}p, "
                              f"{payload['total_available_places']} places)")
            if publish:
                self.stdout.write(f"published: {client.publish_study(draft.id).status}")
        except (DraftError, InvalidOperation, ProlificError) as exc:
            raise CommandError(str(exc)) from exc
