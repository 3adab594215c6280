"""Database models of the studies app (one concept per module)."""

from studies.prolific.models import BonusLine, BonusPayment  # payment ledger (Prolific)

from .blocklist import BlockEntry
from .participant import Participant, Review, Status
from .records import Event, EventKind, Response
from .study import Condition, Study

__all__ = [
    "BonusLine",
    "BonusPayment",
    "BlockEntry",
    "Condition",
    "Event",
    "EventKind",
    "Participant",
    "Response",
    "Review",
    "Status",
    "Study",
]
