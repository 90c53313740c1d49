from .counts import CountState, CycleCount, CycleCountLine, ReplenishmentRule
from .locations import Location, Warehouse
from .picking import Package, PickLine, PickList, PickState, Shipment, Wave
from .receipts import PutawayRule, Receipt, ReceiptLine, ReceiptState, StockTask, TaskPurpose, TaskState
from .requests import Reservation, StockRequest, StockRequestLine
from .stock import Lot, Quant, StockMove, StockPolicy

__all__ = [
    "CountState",
    "CycleCount",
    "CycleCountLine",
    "Location",
    "Lot",
    "Package",
    "PickLine",
    "PickList",
    "PickState",
    "PutawayRule",
    "Quant",
    "Receipt",
    "ReceiptLine",
    "ReceiptState",
    "ReplenishmentRule",
    "Reservation",
    "Shipment",
    "StockMove",
    "StockPolicy",
    "StockRequest",
    "StockRequestLine",
    "StockTask",
    "TaskPurpose",
    "TaskState",
    "Warehouse",
    "Wave",
]
