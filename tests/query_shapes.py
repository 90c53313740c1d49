"""N+1 queries: the same SQL statement, up to its values, run many times in one request.

`shape_of(sql)` is the statement with its literals replaced by `?` and its IN-lists collapsed to `IN (...)`, so
"the unit of item 7" and "the unit of item 9" are one shape. `repeated_shapes(queries)` lists the shapes that
ran more than `threshold` times: a page that reads its rows in one query and then one more query per row
shows up there, however many rows it has. Use it over `CaptureQueriesContext(connection).captured_queries`:

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert repeated_shapes(queries.captured_queries) == []
"""

import re
from collections import Counter
from collections.abc import Iterable

THRESHOLD = 3  # a statement may run this many times in one request; once more is an N+1

_STRING = re.compile(r"'(?:[^']|'')*'")
# A number that is a value, not part of a name ("T3", "col1", "core_item"."id" stay as they are).
_NUMBER = re.compile(r"(?<![\w\".])-?\d+(?:\.\d+)?(?![\w\"])")
_IN_LIST = re.compile(r"\bIN \((?:\?(?:::[\w ]+)?, )*\?(?:::[\w ]+)?\)", re.IGNORECASE)
_ARRAY = re.compile(r"ARRAY\[(?:\?(?:::[\w ]+)?, )*\?(?:::[\w ]+)?\]", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# Transaction control: the same text every time by nature, and no read of data.
_CONTROL = re.compile(r"^(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN|COMMIT|ROLLBACK)\b", re.I)


def shape_of(sql: str) -> str:
    """The statement with its values replaced by ?, its IN-lists and arrays collapsed."""
    shape = _STRING.sub("?", sql)
    shape = _NUMBER.sub("?", shape)
    shape = _SPACES.sub(" ", shape).strip()
    shape = _IN_LIST.sub("IN (...)", shape)
    return _ARRAY.sub("ARRAY[...]", shape)


def repeated_shapes(queries: Iterable[dict | str], threshold: int = THRESHOLD) -> list[tuple[str, int]]:
    """The shapes run more than `threshold` times, most repeated first: [(shape, times)]. `queries` are
    CaptureQueriesContext's captured queries ({"sql": ...}) or SQL strings."""
    counts = Counter(
        shape_of(sql)
        for sql in (query["sql"] if isinstance(query, dict) else query for query in queries)
        if not _CONTROL.match(sql)
    )
    return [(shape, times) for shape, times in counts.most_common() if times > threshold]
