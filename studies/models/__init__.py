"""Database models of the studies app (one concept per module)."""

from studies.prolific.models import (  # payment and places ledgers, arrivals (Prolific)
    ArrivalCount,
    BonusLine,
    BonusPayment,
    PlacesChange,
)

from .blocklist import BlockEntry
from .explorer import ExplorerAction, ExplorerActionKind
from .participant import Participant, Review, Status
from .records import Event, EventKind, Response
from .renders import OwedRender, RenderState
from .study import Condition, Study

__all__ = [
    "ArrivalCount",
    "PlacesChange",
    "BonusLine",
    "BonusPayment",
    "BlockEntry",
    "Condition",
    "Event",
    "ExplorerAction",
    "ExplorerActionKind",
    "EventKind",
    "OwedRender",
    "Participant",
    "Response",
    "RenderState",
    "Review",
    "Status",
    "Study",
]
