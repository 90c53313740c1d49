"""ERP's handlers of the lower apps' events for valuation: every stock move is valued in its own transaction."""

import threading

from django.db.models import Subquery

from core.models import DomainEvent
from core.services.events import subscribe
from erp.services.valuation import stock_moves_value
from wms import events
from wms.models import StockMove

# The moves valued with the last batch (per thread): their own events, published after, find them done.
_batch = threading.local()


@subscribe(events.STOCK_MOVED, mode="same_transaction")
def value_stock_move(event: DomainEvent) -> None:
    """Value the move and book it; a refusal (no account mapped, a negative cost) refuses the move itself,
    so stock and its value never disagree.

    WMS posts a bulk adjustment as many moves of one moment, all written before the first of their events:
    that event values them all at once (a fixed number of queries), and the others cost nothing. A single
    move is a batch of one. Moves already valued (they have a layer) are never valued twice.
    """
    move_id = int(event.payload["move_id"])
    if move_id in getattr(_batch, "moves", ()):
        return
    moment = StockMove.objects.filter(pk=move_id).values("moved_at")
    moves = list(
        StockMove.objects.filter(moved_at=Subquery(moment), valuation_layers__isnull=True)
        .select_related("item__category", "item__uom", "from_location", "to_location", "moved_by")
        .order_by("pk")
    )
    _batch.moves = {move.pk for move in moves}
    stock_moves_value(moves=moves)
