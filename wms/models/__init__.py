from .locations import Location, Warehouse
from .receipts import PutawayRule, PutawayTask, Receipt, ReceiptLine, ReceiptState, TaskState
from .requests import Reservation, StockRequest, StockRequestLine
from .stock import Lot, Quant, StockMove, StockPolicy

__all__ = [
    "Location",
    "Lot",
    "PutawayRule",
    "PutawayTask",
    "Quant",
    "Receipt",
    "ReceiptLine",
    "ReceiptState",
    "Reservation",
    "StockMove",
    "StockPolicy",
    "StockRequest",
    "StockRequestLine",
    "TaskState",
    "Warehouse",
]
