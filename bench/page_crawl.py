"""Page crawl (issue #12): every page of the demo company as each role, its server time and its queries.

    .venv/bin/python bench/page_crawl.py                 # every role: about 9 minutes on a quiet 2-core machine
    .venv/bin/python bench/page_crawl.py --roles planner,sales --only 'erp:*'
    .venv/bin/python bench/page_crawl.py --only 'aps:rough_cut' --roles planner --explain

Target (issue #12): "Every page of the demo renders in under 200 ms server time with a year of data, with no
N+1 queries." On a throwaway database `takt_bench_crawl` (or TAKT_BENCH_DATABASE) on the configured server
(DATABASE_URL's), dropped at the end: migrated, the demo company loaded (`manage.py demo_load`, as long a
history as it makes: reported as the days since its first journal entry), then one record of each model
the demo has none of (the role matrix's `extra_records()`).

The pages are the role matrix's (tests/core/role_matrix.py, tests/core/test_role_matrix.py): every route of
the URL conf but the admin site's, with real records in its parameters (`url_of`), each opened with GET by a
login holding one role (`login(role)`) where its rule allows that role, the API's lists and details
included. A GET answered 405 (a POST-only page, a button) is no page and is left out; one answered 400 (an
API report that needs query parameters) is listed apart.

Server time: the request through Django's whole stack (middleware, view, template, queries) in this process,
by the test client, with DEBUG off as in production. In-process rather than over HTTP to gunicorn because
the target is about the server's own work: no socket, no worker queueing, which on a shared machine would
add noise that is not the page's. Each page is opened once to warm up (template, plan and permission
caches), once with its queries captured, then timed: once when that is under half the target, else --runs
times, and the median counts. Next to the wall time, the CPU time this process spent on the request (the
same run's): the load of other processes stretches the first, much less the second. Every request runs in a
transaction rolled back at once, so nothing a page might write reaches the next one.

N+1: a page whose one request runs the same SQL shape (literals and IN-lists normalised, tests/query_shapes.py)
more than THRESHOLD times. Downloads (PDF, CSV, Excel, attachments: an answer with Content-Disposition or of
such a type) are timed and listed on their own, outside the 200 ms target.

Reported: the data's size, per role its slowest pages, every page over 200 ms, every page with an N+1, every
download, every error (an answer over 400). Exits 1 on a page over 200 ms, an N+1 or an error. Results go
into docs/benchmarks.md by hand.
"""

import argparse
import fnmatch
import io
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field

from _throwaway import throwaway_database

LIMIT_MS = 200
SLOWEST_PER_ROLE = 5
DOWNLOAD_TYPES = ("application/pdf", "text/csv", "application/vnd.openxmlformats", "application/octet-stream")
# No page: the readiness probe waits its whole timeout for the Celery workers' answers, to count them
# (core/views/health.py); measured and listed apart.
PROBES = frozenset({"health_ready"})


@dataclass
class Page:
    role: str
    route: str
    url: str
    status: int
    median_ms: float
    cpu_ms: float  # this process's CPU time in the request (the median run's): what the load does not stretch
    queries: int
    download: bool
    repeated: list[tuple[str, int]] = field(default_factory=list)  # the N+1 shapes, with their counts


def is_download(response) -> bool:
    content_type = response.get("Content-Type", "")
    return response.has_header("Content-Disposition") or content_type.startswith(DOWNLOAD_TYPES)


def request(client, url: str):
    """A GET with whatever it wrote undone; a streamed answer is read to its end."""
    from django.db import transaction

    with transaction.atomic():
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return response


def explain(queries: list[dict], slowest: int = 5) -> None:
    """EXPLAIN ANALYZE of the request's slowest SELECTs (Django records them with their parameters bound)."""
    from django.db import connection

    chosen = sorted((q for q in queries if q["sql"].startswith("SELECT")), key=lambda q: -float(q["time"]))
    with connection.cursor() as cursor:
        for query in chosen[:slowest]:
            print(f"\n  {float(query['time']) * 1000:.1f} ms: {query['sql'][:300]}")
            cursor.execute(f"EXPLAIN ANALYZE {query['sql']}")
            print("\n".join(f"    {row[0]}" for row in cursor.fetchall()))


def measure(client, role: str, route, url: str, runs: int, explained: bool) -> Page | None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from tests.query_shapes import repeated_shapes

    response = request(client, url)  # warm-up
    if response.status_code == 405:
        return None
    reset_queries()  # the log keeps 9,000 queries at most: full, it would seem to capture none
    with CaptureQueriesContext(connection) as captured:
        request(client, url)
    queries = captured.captured_queries  # now: the next request empties the log it reads
    samples: list[tuple[float, float]] = []
    # A page far under the target is timed once: only near it does the median of several tell more.
    while len(samples) < runs and not (samples and samples[0][0] < LIMIT_MS / 2):
        started, cpu = time.perf_counter(), time.thread_time()
        request(client, url)
        samples.append(((time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000))
    median_ms, cpu_ms = sorted(samples)[len(samples) // 2]
    if explained:
        explain(queries)
    return Page(
        role=role,
        route=route.name,
        url=url,
        status=response.status_code,
        median_ms=round(median_ms, 1),
        cpu_ms=round(cpu_ms, 1),
        queries=len(queries),
        download=is_download(response),
        repeated=repeated_shapes(queries),
    )


def crawl(roles: list, only: str | None, runs: int, explained: bool = False) -> list[Page]:
    """Every page each role may open (Django set up, the demo company and extra_records() in the database)."""
    from tests.core.role_matrix import routes, rule_of
    from tests.core.test_role_matrix import login, url_of

    pages = [r for r in routes() if not r.is_admin and rule_of(r) is not None]
    if only:
        pages = [r for r in pages if any(fnmatch.fnmatchcase(r.name, p) for p in only.split(","))]
    urls = {route.name: url_of(route) for route in pages}
    measured = []
    for role in roles:
        client = login(role)
        started = time.perf_counter()
        allowed = [route for route in pages if rule_of(route).allows(role)]
        for route in allowed:
            page = measure(client, str(role), route, urls[route.name], runs, explained)
            if page is not None:
                measured.append(page)
        print(f"  {role}: {len(allowed)} routes in {time.perf_counter() - started:.0f} s", flush=True)
    return measured


MAIN_TABLES = ("erp.salesorder", "erp.purchaseorder", "erp.productionorder", "wms.stockmove", "erp.journalline")


def data_size() -> dict:
    """How many days of history the demo holds (since its first journal entry), the rows of the main tables
    and the largest tables."""
    from django.apps import apps
    from django.db import connection
    from django.db.models import Min
    from django.utils import timezone

    from erp.models import JournalEntry

    first = JournalEntry.objects.aggregate(first=Min("date"))["first"]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables ORDER BY n_live_tup DESC LIMIT 8")
        largest = dict(cursor.fetchall())
    return {
        "history_days": (timezone.localdate() - first).days if first else 0,
        "rows": {label: apps.get_model(label).objects.count() for label in MAIN_TABLES},
        "largest_tables": largest,
    }


def row(page: Page) -> str:
    return (
        f"    {page.median_ms:>7.1f} ms {page.cpu_ms:>7.1f} cpu {page.queries:>4} q  {page.status}  "
        f"{page.route:<42} {page.url}"
    )


def report(pages: list[Page]) -> int:
    screens = [p for p in pages if not p.download and p.route not in PROBES]
    print(f"\n{len(pages)} pages measured ({len({p.url for p in pages})} URLs), median of the timed runs")
    for role in dict.fromkeys(p.role for p in pages):
        own = sorted((p for p in screens if p.role == role), key=lambda p: -p.median_ms)
        print(f"\n  {role}: {len(own)} pages, the slowest:")
        print("\n".join(row(p) for p in own[:SLOWEST_PER_ROLE]))
    slow = sorted((p for p in screens if p.median_ms >= LIMIT_MS), key=lambda p: -p.median_ms)
    print(f"\nOver {LIMIT_MS} ms: {len(slow)} pages ({len({p.url for p in slow})} URLs)")
    print("\n".join(row(p) for p in slow))
    repeated = {p.url: p for p in screens if p.repeated}
    print(f"\nN+1 (a statement more than the threshold times in one request): {len(repeated)} URLs")
    for page in repeated.values():
        print(row(page))
        for shape, times in page.repeated:
            print(f"        {times} x {shape[:200]}")
    asking = sorted({p.url: p for p in pages if p.status == 400}.values(), key=lambda p: p.route)
    print(f"\nAnswered 400 (they need query parameters the crawl does not give): {len(asking)} URLs")
    print("\n".join(row(p) for p in asking))
    errors = [p for p in pages if p.status > 400]
    print(f"\nErrors: {len(errors)}")
    print("\n".join(row(p) for p in errors))
    downloads = sorted({p.url: p for p in pages if p.download}.values(), key=lambda p: -p.median_ms)
    print(f"\nDownloads (outside the target): {len(downloads)}, the slowest:")
    print("\n".join(row(p) for p in downloads[:10]))
    probes = sorted({p.url: p for p in pages if p.route in PROBES}.values(), key=lambda p: -p.median_ms)
    print(f"\nProbes (outside the target): {len(probes)}")
    print("\n".join(row(p) for p in probes))
    return 1 if slow or repeated or errors else 0


def run(options) -> int:
    # The crawl is one login sending hundreds of API requests a minute: above the per-login API rate.
    os.environ["TAKT_API_RATE"] = "1000000/minute"
    with throwaway_database("takt_bench_crawl"):
        from django.core.management import call_command

        from core.roles import Role
        from tests.core.test_role_matrix import extra_records

        started = time.perf_counter()
        call_command("demo_load", verbosity=0, stdout=io.StringIO())
        extra_records()
        size = data_size()
        print(f"demo loaded in {time.perf_counter() - started:.0f} s: {json.dumps(size)}", flush=True)
        roles = [Role(name) for name in options.roles.split(",")] if options.roles else list(Role)
        with open("/proc/loadavg") as loadavg:
            print(f"load average before the crawl: {loadavg.read().strip()}")
        pages = crawl(roles, options.only, options.runs, options.explain)
        with open("/proc/loadavg") as loadavg:
            print(f"load average after the crawl: {loadavg.read().strip()}")
        if options.json:
            with open(options.json, "w") as out:
                json.dump({"data": size, "pages": [asdict(p) for p in pages]}, out, indent=1)
        return report(pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed requests of each page (default 3)")
    parser.add_argument("--roles", help="the roles to crawl as, comma-separated (default: every role)")
    parser.add_argument("--only", metavar="PATTERNS", help="route names, comma-separated fnmatch patterns")
    parser.add_argument("--explain", action="store_true", help="the query plans of each page's slowest queries")
    parser.add_argument("--json", metavar="FILE", help="write every measurement there too")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
