"""What SRM does when ERP or MES reports: imported by SrmConfig.ready(). MES is above SRM: its event
names are spelled here (mes/events.py documents them), never imported."""

from core.models import DomainEvent
from core.services.events import subscribe
from erp.events import PURCHASE_ORDER_CANCELLED
from srm.services.contracts import call_off_give_back
from srm.services.scorecards import supplier_quality_event_from_nonconformance

NONCONFORMANCE_RAISED = "mes.nonconformance.raised"


@subscribe(PURCHASE_ORDER_CANCELLED, mode="same_transaction")
def purchase_order_cancelled(event: DomainEvent) -> None:
    # In ERP's transaction: the order's cancellation and the contract quantities it gives back agree.
    call_off_give_back(purchase_order_id=int(event.aggregate_id))


@subscribe(NONCONFORMANCE_RAISED, mode="task")
def nonconformance_raised(event: DomainEvent) -> None:
    # On a worker, from the outbox: a supplier's score need not agree with MES inside its transaction, and
    # a failure here must not undo the nonconformance; retried until recorded, once per nonconformance.
    supplier_quality_event_from_nonconformance(payload=event.payload, occurred_at=event.occurred_at)
