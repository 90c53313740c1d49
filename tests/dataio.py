"""Helpers for the import tests: CSV folders written from text, and row counts of every table."""

import textwrap
from pathlib import Path

from django.apps import apps

# A small plant in the format of docs/import.md, file by file.
PLANT = {
    "partners.csv": """
        code,name,kind,currency,lead_time_days
        S-STEEL,Steel Works,supplier,EUR,10
        S-PARTS,Parts Ltd,both,,5
        C-SHOP,Appliance Shop,customer,USD,
    """,
    "work_centers.csv": """
        code,name,machines,hours_per_day,cost_per_hour
        PRESS,Presses,2,16,45.5
        ASSY,Assembly,,,
    """,
    "items.csv": """
        code,name,uom,procurement,lead_time_days,safety_stock,lot_policy,lot_qty,min_qty,multiple_qty,standard_cost,supplier
        KTL,Kettle,ea,make,2,10,lot_for_lot,,,,12.5,
        BODY,Kettle body,ea,make,1,,fixed,50,,,4,
        SHEET,Steel sheet,kg,buy,10,100,min_multiple,,200,25,1.25,S-STEEL
        LID,Lid,ea,buy,5,,,,,,0.8,S-PARTS
    """,
    "boms.csv": """
        parent,component,qty_per,scrap_pct,revision,effective_from
        KTL,BODY,1,,A,
        KTL,LID,1,2.5,A,
        BODY,SHEET,0.45,5,A,
    """,
    "routings.csv": """
        item,seq,work_center,setup_minutes,run_minutes_per_unit
        BODY,10,PRESS,30,0.5
        KTL,20,ASSY,,4
        KTL,10,ASSY,15,2.25
    """,
}


def csv_text(text: str) -> str:
    """A file's text as written above: without the indentation and the first empty line."""
    return textwrap.dedent(text).lstrip("\n")


def write_folder(path: Path, files: dict[str, str]) -> Path:
    """Write each file's (indented) text as a CSV file into `path`, and return it."""
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).write_text(csv_text(text), encoding="utf-8")
    return path


def table_counts() -> dict[str, int]:
    """Rows of every table of every installed app: the proof that a failed import wrote nothing."""
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}
