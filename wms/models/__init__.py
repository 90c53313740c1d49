from .locations import Location, Warehouse
from .requests import Reservation, StockRequest, StockRequestLine
from .stock import Lot, Quant, StockMove, StockPolicy

__all__ = [
    "Location",
    "Lot",
    "Quant",
    "Reservation",
    "StockMove",
    "StockPolicy",
    "StockRequest",
    "StockRequestLine",
    "Warehouse",
]
