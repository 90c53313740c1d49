from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Unit, UnitCategory
from tests.query_shapes import THRESHOLD, repeated_shapes, shape_of


def test_a_shape_is_the_statement_without_its_values():
    one = """SELECT "core_unit"."id", "T3"."code" FROM "core_unit" INNER JOIN "core_unitcategory" T3
        ON ("core_unit"."category_id" = "T3"."id") WHERE ("core_unit"."code" = 'it''s' AND "core_unit"."id" IN (1, 2,
        3) AND "core_unit"."factor" > -0.5) LIMIT 21"""
    other = """SELECT "core_unit"."id", "T3"."code" FROM "core_unit" INNER JOIN "core_unitcategory" T3
        ON ("core_unit"."category_id" = "T3"."id") WHERE ("core_unit"."code" = 'kg' AND "core_unit"."id" IN (7) AND
        "core_unit"."factor" > 12) LIMIT 21"""
    assert shape_of(one) == shape_of(other)
    assert shape_of(one) == (
        'SELECT "core_unit"."id", "T3"."code" FROM "core_unit" INNER JOIN "core_unitcategory" T3 ON '
        '("core_unit"."category_id" = "T3"."id") WHERE ("core_unit"."code" = ? AND "core_unit"."id" IN (...) AND '
        '"core_unit"."factor" > ?) LIMIT ?'
    )
    assert (
        shape_of("SELECT 1 FROM t WHERE a = ANY(ARRAY[1, 2]::int[])")
        == "SELECT ? FROM t WHERE a = ANY(ARRAY[...]::int[])"
    )
    assert shape_of('SELECT "a" FROM "t" WHERE "a" = 1') != shape_of('SELECT "a" FROM "t" WHERE "b" = 1')


def test_only_shapes_over_the_threshold_count_and_savepoints_never():
    queries = [{"sql": f"SELECT name FROM item WHERE id = {n}"} for n in range(THRESHOLD + 1)]  # noqa: S608 (parsed, not run)
    queries += [f'SAVEPOINT "s{n}_x1"' for n in range(10)]
    assert repeated_shapes(queries) == [("SELECT name FROM item WHERE id = ?", THRESHOLD + 1)]
    assert repeated_shapes(queries[1:]) == []


@pytest.mark.django_db
def test_a_lookup_per_row_is_found_and_a_join_is_not():
    for number in range(THRESHOLD + 2):
        category = UnitCategory.objects.create(code=f"QS{number}", name=f"Category {number}")
        Unit.objects.create(code=f"QS{number}", name=f"Unit {number}", category=category, factor=Decimal(1))
    units = Unit.objects.filter(code__startswith="QS")

    with CaptureQueriesContext(connection) as per_row:
        [unit.category.name for unit in units]
    with CaptureQueriesContext(connection) as joined:
        [unit.category.name for unit in units.select_related("category")]

    [(shape, times)] = repeated_shapes(per_row.captured_queries)
    assert times == THRESHOLD + 2 and shape.startswith("SELECT") and '"core_unitcategory"."id" = ?' in shape
    assert repeated_shapes(joined.captured_queries) == []
