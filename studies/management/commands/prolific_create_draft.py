"""Create (and optionally publish) the Prolific study for a loaded study spec."""

from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from studies.models import Study
from studies.prolific.client import ProlificClient
from studies.prolific.drafts import DraftError, draft_payload
from studies.prolific.errors import ProlificError


class Command(BaseCommand):
    help = "Create a Prolific study draft for STUDY (stores its id); --publish makes it live."

    def add_arguments(self, parser):
        parser.add_argument("study", help="study slug")
        parser.add_argument("--server-url", required=True,
                            help="public https:// address of this server")
        parser.add_argument("--minutes", type=int, help="estimated completion time")
        parser.add_argument("--places", type=int, help="default: sum of condition targets")
        parser.add_argument("--reward-gbp", help="default: spec payment.base")
        parser.add_argument("--publish", action="store_true")

    def handle(self, *args, study, server_url, minutes, places, reward_gbp, publish, **kw):
        obj = Study.objects.filter(slug=study).first()
        if obj is None:
            raise CommandError(f"no study {study!r} (load its spec first)")
        if obj.prolific_study_id:
            raise CommandError(f"{study} already has Prolific study {obj.prolific_study_id}")
        try:
            reward = Decimal(reward_gbp) if reward_gbp else None
            payload = draft_payload(obj, server_url=server_url, minutes=minutes, places=places,
                                    reward_gbp=reward)
            client = ProlificClient.from_settings()
            draft = client.create_study_draft(payload)
            obj.prolific_study_id = draft.id
            obj.save(update_fields=["prolific_study_id", "updated_at"])
            self.stdout.write(f"created Prolific study {draft.id} ({payload['reward']}p, "
                              f"{payload['total_available_places']} places)")
            if publish:
                self.stdout.write(f"published: {client.publish_study(draft.id).status}")
        except (DraftError, InvalidOperation, ProlificError) as exc:
            raise CommandError(str(exc)) from exc
