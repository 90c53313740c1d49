"""The built-in unit-of-measure catalog and common currencies, present in every Takt database.

Loaded after every migrate (and test-database flush); factors are to the category's reference unit
(ea, kg, m, l, h, m2).
"""

from decimal import Decimal

from core.models import Currency, Unit, UnitCategory

CATEGORIES = {
    "count": (
        "Count",
        [
            ("ea", "Each", "1", 0),
            ("pc", "Piece", "1", 0),
            ("pr", "Pair", "2", 0),
            ("dz", "Dozen", "12", 0),
            ("box10", "Box of 10", "10", 0),
            ("box100", "Box of 100", "100", 0),
        ],
    ),
    "mass": (
        "Mass",
        [
            ("mg", "Milligram", "0.000001", 3),
            ("g", "Gram", "0.001", 3),
            ("kg", "Kilogram", "1", 3),
            ("t", "Tonne", "1000", 3),
            ("oz", "Ounce", "0.028349523125", 3),
            ("lb", "Pound", "0.45359237", 3),
        ],
    ),
    "length": (
        "Length",
        [
            ("mm", "Millimetre", "0.001", 2),
            ("cm", "Centimetre", "0.01", 2),
            ("m", "Metre", "1", 3),
            ("km", "Kilometre", "1000", 3),
            ("in", "Inch", "0.0254", 3),
            ("ft", "Foot", "0.3048", 3),
        ],
    ),
    "volume": (
        "Volume",
        [
            ("ml", "Millilitre", "0.001", 1),
            ("l", "Litre", "1", 3),
            ("m3", "Cubic metre", "1000", 3),
            ("gal", "US gallon", "3.785411784", 3),
        ],
    ),
    "area": (
        "Area",
        [
            ("cm2", "Square centimetre", "0.0001", 2),
            ("m2", "Square metre", "1", 3),
        ],
    ),
    "time": (
        "Time",
        [
            ("s", "Second", "0.000277777777778", 0),
            ("min", "Minute", "0.016666666666667", 2),
            ("h", "Hour", "1", 2),
            ("day", "Day", "24", 2),
        ],
    ),
}

CURRENCIES = [
    ("CNY", "Chinese yuan", "¥", 2),
    ("EUR", "Euro", "€", 2),
    ("USD", "US dollar", "$", 2),
    ("GBP", "Pound sterling", "£", 2),
    ("JPY", "Japanese yen", "¥", 0),
]


def catalog_load() -> None:
    """Create the built-in units and currencies that are missing; existing rows are left as edited."""
    for code, (name, units) in CATEGORIES.items():
        category, _ = UnitCategory.objects.get_or_create(code=code, defaults={"name": name})
        for unit_code, unit_name, factor, decimals in units:
            Unit.objects.get_or_create(
                code=unit_code,
                defaults={"name": unit_name, "category": category, "factor": Decimal(factor), "decimals": decimals},
            )
    for code, name, symbol, decimals in CURRENCIES:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "symbol": symbol, "decimals": decimals})
