"""Pay performance bonuses and partial payments through Prolific, at most once each."""

from django.core.management.base import BaseCommand, CommandError

from studies.models import Study
from studies.prolific.client import ProlificClient
from studies.prolific.errors import ProlificError
from studies.prolific.models import BonusKind, BonusPayment
from studies.prolific.payouts import confirm_paid, mark_unpaid, pay_bonuses

PAYABLE = [BonusKind.BONUS.value, BonusKind.PARTIAL.value]  # paid as Prolific bonuses


class Command(BaseCommand):
    help = ("Pay what is owed: bonuses of completed participants and partial payments of "
            "timed-out ones (screened-out ones are paid by the screen-out call of prolific_sync). "
            "A ledger makes a repeated run pay nothing twice.")

    def add_arguments(self, parser):
        parser.add_argument("--study", help="study slug")
        parser.add_argument("--kind", choices=[*PAYABLE, "all"], default="all")
        parser.add_argument("--dry-run", action="store_true", help="show, send nothing")
        parser.add_argument("--confirm-paid", type=int, metavar="ID",
                            help="a payment of unknown outcome WAS paid (checked on Prolific)")
        parser.add_argument("--mark-unpaid", type=int, metavar="ID",
                            help="a payment of unknown outcome was NOT paid: allow one retry")

    def handle(self, *args, study=None, kind="all", dry_run=False, confirm_paid=None,
               mark_unpaid=None, **kw):
        try:
            if confirm_paid is not None or mark_unpaid is not None:
                return self._resolve(confirm_paid, mark_unpaid)
            if not study:
                raise CommandError("--study is required")
            obj = Study.objects.filter(slug=study).first()
            if obj is None:
                raise CommandError(f"no study {study!r}")
            client = ProlificClient.from_settings()
            for k in PAYABLE if kind == "all" else [kind]:
                self.stdout.write(pay_bonuses(obj, kind=k, client=client, dry_run=dry_run).message)
        except (ProlificError, BonusPayment.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc

    def _resolve(self, paid_id, unpaid_id):
        if paid_id is not None:
            payment = confirm_paid(paid_id)
        else:
            payment = mark_unpaid(unpaid_id)
        self.stdout.write(f"payment {payment.pk} is now {payment.state}")
