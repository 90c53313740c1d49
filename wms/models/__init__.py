from .locations import Location, Warehouse
from .picking import Package, PickLine, PickList, PickState, Shipment, Wave
from .receipts import PutawayRule, PutawayTask, Receipt, ReceiptLine, ReceiptState, TaskState
from .requests import Reservation, StockRequest, StockRequestLine
from .stock import Lot, Quant, StockMove, StockPolicy

__all__ = [
    "Location",
    "Lot",
    "Package",
    "PickLine",
    "PickList",
    "PickState",
    "PutawayRule",
    "PutawayTask",
    "Quant",
    "Receipt",
    "ReceiptLine",
    "ReceiptState",
    "Reservation",
    "Shipment",
    "StockMove",
    "StockPolicy",
    "StockRequest",
    "StockRequestLine",
    "TaskState",
    "Warehouse",
    "Wave",
]
