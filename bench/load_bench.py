"""Load test (issue #13): the demo company under gunicorn, driven by Locust with a mixed workload.

    .venv/bin/python bench/load_bench.py                         # 20 users for 60 s, about 3 minutes in all
    .venv/bin/python bench/load_bench.py --users 60 --seconds 120

On a throwaway database `takt_bench_load` (or TAKT_BENCH_DATABASE) on the configured server (DATABASE_URL's),
dropped at the end: migrated, the demo company loaded (`manage.py demo_load`), then what the API clients
work on, through the services: pick lines (shipment requests of one unit each, reserved and released for
picking; two a second per picker, more than one can confirm) and one running operation per counting
machine, on orders of a million units so the counts never reach the order's quantity. Each API client has
a token of its own, at the default rate (TAKT_API_RATE, 600/minute): a client here sends at most two
requests a second, so none is throttled.

gunicorn serves config.wsgi (dev settings, DEBUG off, as in production) on 127.0.0.1 at a free port with
--workers processes of --threads threads; Locust (bench/locustfile.py, headless, in its own process) runs
--users users for --seconds seconds, each waiting 0.5 to 2 s between requests:

- half of them staff, the demo users in turn (admin, planner, sales, buyer, engineer, warehouse, operator,
  quality, finance, hr), each with a session the bench signed in beforehand, opening the list pages of
  their menus and the newest records of those lists (3 to 2); a redirect counts as an error;
- a fifth sales order clients (POST /api/v1/erp/sales-orders/ with an Idempotency-Key; one in five is sent
  again with the same key and must be answered with the same order);
- the rest in two: pickers confirming pick lines (POST /api/v1/wms/pick-lines/<id>/confirm/) and machines
  counting good units on their running operation (POST /api/v1/mes/operation-runs/<id>/count/).

Reported: requests, requests per second, median, p95 and p99 per kind and over all after the --warmup
seconds, and the errors of the whole run (any 4xx or 5xx, a connection error; with the server's log). Then
the database is checked against what the clients were answered: every order answered exists once and no
other was made, a retried order was answered with the first one, every pick confirmed is picked and no
other, the runs hold exactly the units counted. Exits 1 on any error or mismatch. Results go into
docs/benchmarks.md by hand.
"""

import argparse
import collections
import contextlib
import datetime
import io
import json
import math
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

from _throwaway import ROOT, throwaway_database

ANSWERED = re.compile(r" INFO takt\.request \[\w+\] \w+ \S+ [23]\d\d$")  # the server log's lines of no interest
STAFF = ["admin", "planner", "sales", "buyer", "engineer", "warehouse", "operator", "quality", "finance", "hr"]
DETAILS_PER_LIST = 5  # records opened from each list page (the newest)
PICKS_PER_SECOND = 2  # the most a picker can confirm, with no wait for the server: the lines never run out
ORDER_QUANTITY = Decimal(1_000_000)
REFERENCE = "LOAD"


def users_per_kind(users: int) -> dict[str, int]:
    orders = max(1, users // 5)
    rest = users - users // 2 - orders
    picks = max(1, rest // 2)
    mes = max(1, rest - picks)
    return {"staff": users - orders - picks - mes, "orders": orders, "picks": picks, "mes": mes}


def pages_of(username: str) -> dict[str, list[str]]:
    """The list pages in the user's menus, and the newest records of those lists that have record pages."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.urls import NoReverseMatch, reverse

    from core.navigation import menus_for

    user = get_user_model().objects.get(username=username)
    lists, details = [], []
    for menu in menus_for(user):
        for item in menu.items:
            lists.append(item.url)
            app_label, _colon, name = item.url_name.partition(":")
            if not name.endswith("_list"):
                continue
            try:
                model = apps.get_model(app_label, name.removesuffix("_list"))
            except LookupError:
                continue
            for pk in model._default_manager.order_by("-pk").values_list("pk", flat=True)[:DETAILS_PER_LIST]:
                try:
                    details.append(reverse(f"{app_label}:{model._meta.model_name}_detail", args=[pk]))
                except NoReverseMatch:
                    break
    return {"lists": sorted(set(lists)), "details": details}


def sessions_for(count: int) -> list[list[str]]:
    """Signed-in sessions of `count` staff users, the demo logins in turn: [username, session key]."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    sessions = []
    for number in range(count):
        username, browser = STAFF[number % len(STAFF)], Client()
        browser.force_login(get_user_model().objects.get(username=username))
        sessions.append([username, browser.cookies[settings.SESSION_COOKIE_NAME].value])
    return sessions


def tokens_for(username: str, scopes: list[str], count: int) -> list[str]:
    from django.contrib.auth import get_user_model

    from core.services.tokens import api_token_create

    user = get_user_model().objects.get(username=username)
    return [api_token_create(user=user, name=f"Load test {n + 1}", scopes=scopes)[1] for n in range(count)]


def pick_lines_make(count: int) -> list[list]:
    """`count` shipment requests of one unit each, reserved and released for picking: [line id, bin, quantity]."""
    from django.contrib.auth import get_user_model

    from core.models import Item, Partner, Unit
    from wms.choices import LocationKind, RequestKind
    from wms.locations import virtual_location
    from wms.models import Location, Warehouse
    from wms.services.moves import inventory_adjust
    from wms.services.picking import pick_list_create
    from wms.services.requests import stock_request_create, stock_request_reserve

    warehouse = Warehouse.objects.get(code="MAIN")
    item = Item.objects.create(code="LOAD-PART", name="Load test part", uom=Unit.objects.get(code="ea"))
    bin_ = Location.objects.get(code="MAIN/STOCK/A-01")
    user = get_user_model().objects.get(username="warehouse")
    inventory_adjust(item=item, location=bin_, counted=Decimal(count), user=user, reason="Load test stock")
    customer, destination = Partner.objects.get(code="C-JD"), virtual_location(LocationKind.CUSTOMER)
    lines = []
    for number in range(count):
        request = stock_request_create(
            kind=RequestKind.SHIPMENT,
            warehouse=warehouse,
            destination=destination,
            lines=[(item, Decimal(1), None)],
            reference=f"{REFERENCE}-PICK-{number:04d}",
            partner=customer,
        )
        pick_list = pick_list_create(request=stock_request_reserve(request=request))
        lines += [[line.pk, line.from_location.code, str(line.quantity)] for line in pick_list.lines.all()]
    return lines


def runs_make(count: int) -> list[int]:
    """`count` machines of a work center of their own, each running an operation of a released order."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from core.models import Area, Item, Machine, Unit, WorkCalendar, WorkCenter
    from erp.choices import OperationState, ProductionOrderState
    from erp.models import ProductionOperation, ProductionOrder
    from mes.services.execution import operation_start
    from wms.models import Warehouse

    work_center = WorkCenter.objects.create(
        area=Area.objects.get(code="ASM"), code="LOAD", name="Load test line", calendar=WorkCalendar.objects.first()
    )
    item = Item.objects.create(code="LOAD-FG", name="Load test product", uom=Unit.objects.get(code="ea"))
    operator = get_user_model().objects.get(username="operator")
    today = datetime.date.today()
    runs = []
    for number in range(1, count + 1):
        machine = Machine.objects.create(work_center=work_center, code=f"LOAD-{number}", name=f"Load test #{number}")
        order = ProductionOrder.objects.create(
            number=f"{REFERENCE}-MO-{number:03d}",
            item=item,
            quantity=ORDER_QUANTITY,
            start_date=today,
            due_date=today + datetime.timedelta(days=7),
            warehouse=Warehouse.objects.get(code="MAIN"),
            state=ProductionOrderState.RELEASED,
            released_at=timezone.now(),
        )
        operation = ProductionOperation.objects.create(
            order=order, seq=10, work_center=work_center, run_minutes_per_unit=Decimal(1), state=OperationState.READY
        )
        runs.append(operation_start(operation=operation, machine=machine, user=operator).pk)
    return runs


def prepare(users: dict[str, int], seconds: int) -> dict:
    from django.conf import settings
    from django.core.management import call_command

    started = time.monotonic()
    call_command("demo_load", stdout=io.StringIO())
    print(f"demo company loaded in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    plan = {
        "users": users,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "sessions": sessions_for(users["staff"]),
        "pages": {username: pages_of(username) for username in STAFF},
        "tokens": {
            "orders": tokens_for("sales", ["erp:write"], users["orders"]),
            "picks": tokens_for("warehouse", ["wms:write"], users["picks"]),
            "mes": tokens_for("operator", ["mes:write"], users["mes"]),
        },
        "reference": REFERENCE,
        "order": {
            "customer": "C-JD",
            "warehouse": "MAIN",
            "requested_date": (datetime.date.today() + datetime.timedelta(days=21)).isoformat(),
            "lines": [{"item": "KT-200", "quantity": "2"}, {"item": "BL-600", "quantity": "1"}],
        },
        "pick_lines": pick_lines_make(users["picks"] * seconds * PICKS_PER_SECOND),
        "runs": runs_make(users["mes"]),
    }
    pages = sum(len(p["lists"]) + len(p["details"]) for p in plan["pages"].values())
    print(f"workload prepared in {time.monotonic() - started:.0f} s: {pages} pages for {len(STAFF)} logins", flush=True)
    return plan


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(workers: int, threads: int, log: Path):
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "config.wsgi"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)),
        # Longer than a client's think time (up to 2 s): at gunicorn's default of 2 s the server closes an idle
        # connection just as the client sends on it, and the request fails with "connection reset".
        *("--keep-alive", "5", "--timeout", "60", "--error-logfile", "-"),
    ]
    with open(log, "w") as output:
        server = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{url}/accounts/login/", timeout=5)  # noqa: S310 (http, ours)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-3000:]}") from None
                    time.sleep(0.5)
            yield url, server.pid
        finally:
            server.terminate()
            server.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of gunicorn's workers so far."""
    import psutil  # Locust's dependency

    times = [child.cpu_times() for child in psutil.Process(pid).children(recursive=True)]
    return sum(used.user + used.system for used in times)


def locust(url: str, users: int, seconds: int, folder: Path) -> float:
    """Run the workload; the CPU seconds Locust took."""
    command = [
        *(sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"),
        *("--host", url, "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s"),
        # Locust's own summary goes to a file: the figures are made from every request's time (locustfile.py).
        *(
            "--stop-timeout",
            "30",
            "--json-file",
            str(folder / "locust.json"),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def checks(plan: dict, answered: dict) -> list[str]:
    """What the database holds against what the clients were answered; each mismatch as a sentence."""
    from django.db.models import Sum

    from erp.models import SalesOrder
    from mes.choices import EventKind, EventSource
    from mes.models import OperationRun, ProductionEvent
    from wms.models import PickLine

    problems = []
    orders = set(SalesOrder.objects.filter(customer_reference__startswith=f"{REFERENCE}-").values_list("pk", flat=True))
    if len(answered["orders"]) != len(set(answered["orders"])) or orders != set(answered["orders"]):
        problems.append(f"sales orders: {len(answered['orders'])} answered 201, {len(orders)} in the database")
    if answered["replayed_other"]:
        problems.append(f"retried orders answered with another order (first, retry): {answered['replayed_other']}")
    prepared = [line for line, _bin, _quantity in plan["pick_lines"]]
    picked = set(PickLine.objects.filter(pk__in=prepared, picked_qty__gt=0).values_list("pk", flat=True))
    if picked != set(answered["picked"]):
        problems.append(f"pick lines: {len(answered['picked'])} confirmed, {len(picked)} picked in the database")
    units = OperationRun.objects.filter(pk__in=plan["runs"]).aggregate(good=Sum("good_qty"))["good"] or 0
    events = ProductionEvent.objects.filter(
        operation__order__number__startswith=f"{REFERENCE}-", kind=EventKind.COUNT, source=EventSource.API
    ).count()
    if not (units == events == answered["counted"]):
        problems.append(f"MES counts: {answered['counted']} answered 201, {events} events, {units} units on the runs")
    return problems


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def began(request: list) -> float:
    """When a request (kind, milliseconds, error, when it ended) was sent."""
    return request[3] - request[1] / 1000


def report(requests: list, warmup: int) -> list[str]:
    """Requests, rate, median, p95 and p99 per kind and over all, after the warm-up (the workers' first requests
    load templates and open connections); the errors of the whole run, counted by kind and message."""
    errors = collections.Counter(f"{name}: {error}" for name, _ms, error, _end in requests if error)
    first = min(map(began, requests))
    warm = [request for request in requests if began(request) >= first + warmup]
    window = max(end for *_rest, end in warm) - min(map(began, warm))
    kinds = collections.defaultdict(list)
    for name, milliseconds, _error, _end in warm:
        kinds[name].append(milliseconds)
        kinds["all"].append(milliseconds)
    failed = collections.Counter(name for name, _ms, error, _end in warm if error)
    print(f"\n{len(requests)} requests; the {len(warm)} after the first {warmup} s, in {window:.1f} s:")
    print(f"{'kind':<36} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for name, times in sorted(kinds.items(), key=lambda kind: kind[0] == "all"):
        times.sort()
        count = failed.total() if name == "all" else failed[name]
        print(
            f"{name:<36} {len(times):>8} {count:>6} {len(times) / window:>6.1f} "
            + " ".join(f"{percentile(times, share):>6.0f}" for share in (50, 95, 99))
        )
    return [f"{count} x {error}" for error, count in errors.most_common()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20, help="simulated users (at least 5)")
    parser.add_argument("--seconds", type=int, default=60, help="how long they work")
    parser.add_argument("--warmup", type=int, default=10, help="seconds left out of the figures (not the checks)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    args = parser.parse_args()
    if args.users < 5:
        parser.error("--users: at least 5, one of each kind")
    if args.warmup >= args.seconds:
        parser.error("--warmup: shorter than --seconds")
    users = users_per_kind(args.users)
    with throwaway_database("takt_bench_load"), tempfile.TemporaryDirectory() as folder:
        from django.db import connections

        folder = Path(folder)
        plan = prepare(users, args.seconds)
        connections.close_all()  # nothing of this process stays open against the server under test
        plan_file, result_file = folder / "plan.json", folder / "answered.json"
        plan_file.write_text(json.dumps(plan))
        os.environ.update(TAKT_LOAD_PLAN=str(plan_file), TAKT_LOAD_RESULT=str(result_file))
        print(f"users: {users}; load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        with gunicorn(args.workers, args.threads, folder / "gunicorn.log") as (url, pid):
            print(f"gunicorn at {url}: {args.workers} workers x {args.threads} threads", flush=True)
            server_cpu, started = cpu_seconds(pid), time.monotonic()
            client_cpu = locust(url, args.users, args.seconds, folder)
            server_cpu, wall = cpu_seconds(pid) - server_cpu, time.monotonic() - started
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        answered = json.loads(result_file.read_text())
        errors = report(answered["requests"], args.warmup)
        requests = len(answered["requests"])
        print(
            f"CPU over the {wall:.0f} s of the run, {os.cpu_count()} cores: gunicorn's workers {server_cpu:.0f} s "
            f"({server_cpu / requests * 1000:.0f} ms a request), Locust {client_cpu:.0f} s"
        )
        if errors:
            server_log = (folder / "gunicorn.log").read_text().splitlines()
            unusual = "\n".join(line for line in server_log if not ANSWERED.search(line))
            print("\nerrors:", *errors, sep="\n")
            print(f"\nthe server's log, but for the 2xx and 3xx answers:\n{unusual[-20000:]}")
        problems = checks(plan, answered)
        print(
            f"\nchecked: {len(answered['orders'])} orders ({answered['replays']} retried with their key), "
            f"{len(answered['picked'])} picks, {answered['counted']} counts: "
            + ("; ".join(problems) if problems else "the database holds exactly these, nothing lost or twice")
        )
    return 1 if errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
