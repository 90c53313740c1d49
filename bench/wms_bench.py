"""WMS benchmark: a ledger of 1,000,000 stock moves over 20,000 quants.

    .venv/bin/python bench/wms_bench.py

Targets (issue "WMS"): on-hand of one item answers in under 20 ms (indexes, no full scans), and
1,000 pick confirmations post in under 10 s. Runs on a throwaway database `takt_bench_wms` (or
TAKT_BENCH_DATABASE) on the configured server, dropped at the end. The ledger is generated in SQL
(receipts, then shipments, 50 moves per item and bin), the quants are its sums, and wms_check's
query proves them before anything is timed. Picks go through the real service, one transaction each.
"""

import random
import statistics
import time
from decimal import Decimal

from _throwaway import throwaway_database

ITEMS, BINS, MOVES = 2_000, 10, 1_000_000  # 20,000 quants, 50 moves each
PICKS = 1_000
ON_HAND_LIMIT_MS, PICKS_LIMIT_S = 20, 10
SEED = 20261122


def build_ledger() -> tuple[list, list]:
    from django.db import connection

    from core.models import Item, Unit
    from wms.choices import LocationKind
    from wms.locations import virtual_location
    from wms.models import Location, Warehouse

    warehouse = Warehouse.objects.create(code="MAIN", name="Main")
    bins = [Location.objects.create(code=f"MAIN/B{n:02d}", warehouse=warehouse, pick_sequence=n) for n in range(BINS)]
    Location.objects.create(code="MAIN/OUT", warehouse=warehouse)
    ea = Unit.objects.get(code="ea")
    items = Item.objects.bulk_create(Item(code=f"P{n:05d}", name=f"Part {n}", uom=ea) for n in range(ITEMS))
    supplier, customer = virtual_location(LocationKind.SUPPLIER), virtual_location(LocationKind.CUSTOMER)
    item_ids = [item.pk for item in items]
    bin_ids = [location.pk for location in bins]
    with connection.cursor() as cursor:
        # Move g is for item g % ITEMS in bin (g / ITEMS) % BINS; each pair gets 25 receipts of 8, then 25
        # shipments of 1 to 5: never negative, as the services would have posted them.
        cursor.execute(
            """
            INSERT INTO wms_stockmove (item_id, lot_id, quantity, from_location_id, to_location_id, kind,
                                       unit_cost, reference, note, moved_at)
            SELECT item, NULL, CASE WHEN receipt THEN 8 ELSE 1 + g %% 5 END,
                   CASE WHEN receipt THEN %(supplier)s ELSE bin END,
                   CASE WHEN receipt THEN bin ELSE %(customer)s END,
                   CASE WHEN receipt THEN 'receipt' ELSE 'shipment' END,
                   1.25, 'BENCH-' || g, '', now() - make_interval(secs => %(moves)s - g)
              FROM (
                SELECT g, ids.items[1 + g %% %(items)s] AS item, ids.bins[1 + (g / %(items)s) %% %(bins)s] AS bin,
                       g / (%(items)s * %(bins)s) < 25 AS receipt
                  FROM generate_series(0, %(moves)s - 1) AS g,
                       (SELECT %(item_ids)s::bigint[] AS items, %(bin_ids)s::bigint[] AS bins) AS ids
              ) AS plan
            """,
            {
                "items": ITEMS,
                "bins": BINS,
                "moves": MOVES,
                "supplier": supplier.pk,
                "customer": customer.pk,
                "item_ids": item_ids,
                "bin_ids": bin_ids,
            },
        )
        cursor.execute(
            """
            INSERT INTO wms_quant (item_id, location_id, lot_id, quantity, reserved, in_date)
            SELECT item_id, location_id, NULL, SUM(quantity), 0, MIN(moved_at) FROM (
                SELECT item_id, to_location_id AS location_id, quantity, moved_at FROM wms_stockmove
                 WHERE to_location_id = ANY(%(bins)s)
                UNION ALL
                SELECT item_id, from_location_id, -quantity, moved_at FROM wms_stockmove
                 WHERE from_location_id = ANY(%(bins)s)
            ) flows GROUP BY item_id, location_id
            """,
            {"bins": bin_ids},
        )
        cursor.execute("ANALYZE wms_stockmove; ANALYZE wms_quant;")
    return items, bins


def time_on_hand(items) -> list[float]:
    from wms.selectors.stock import on_hand

    rng = random.Random(SEED)
    samples = []
    for item in rng.sample(items, 200):
        started = time.perf_counter()
        on_hand(item=item)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def time_picks(items, bins) -> float:
    from wms.choices import MoveKind
    from wms.models import Location
    from wms.services.moves import stock_move_post

    output = Location.objects.get(code="MAIN/OUT")
    rng = random.Random(SEED)
    started = time.perf_counter()
    for n in range(PICKS):
        stock_move_post(
            item=rng.choice(items),
            quantity=Decimal(1),
            from_location=rng.choice(bins),
            to_location=output,
            kind=MoveKind.PICK,
            reference=f"PICK-{n}",
        )
    return time.perf_counter() - started


def run() -> None:
    with throwaway_database("takt_bench_wms"):
        from django.db import connection

        from wms.models import Quant, StockMove
        from wms.selectors.stock import ledger_mismatches

        started = time.perf_counter()
        items, bins = build_ledger()
        print(
            f"ledger: {StockMove.objects.count():,} moves, {Quant.objects.count():,} quants "
            f"(built in {time.perf_counter() - started:.0f} s)"
        )
        started = time.perf_counter()
        assert ledger_mismatches() == [], "the generated quants disagree with their moves"
        print(f"wms_check's full ledger proof: consistent, {time.perf_counter() - started:.1f} s")

        samples = time_on_hand(items)
        median, p95 = statistics.median(samples), statistics.quantiles(samples, n=20)[18]
        print(f"on-hand of one item, 200 items: median {median:.2f} ms, p95 {p95:.2f} ms, max {max(samples):.2f} ms")
        with connection.cursor() as cursor:
            from wms.selectors.stock import _stock

            sql, params = _stock(items[0], None).values("quantity").query.sql_with_params()
            cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        print(f"plan:\n{plan}")

        seconds = time_picks(items, bins)
        print(f"{PICKS:,} pick confirmations (stock_move_post, one transaction each): {seconds:.1f} s")
        assert ledger_mismatches() == []

    assert median < ON_HAND_LIMIT_MS, f"on-hand median {median:.1f} ms >= {ON_HAND_LIMIT_MS} ms"
    assert seconds < PICKS_LIMIT_S, f"picks took {seconds:.1f} s >= {PICKS_LIMIT_S} s"
    print(f"OK: on-hand under {ON_HAND_LIMIT_MS} ms, {PICKS:,} picks under {PICKS_LIMIT_S} s")


if __name__ == "__main__":
    run()
