"""The mixed workload of bench/load_bench.py, for Locust: staff browsing the screens, and API clients creating
sales orders, confirming picks and counting production.

Not run alone: load_bench.py prepares the database and writes the plan this file reads (TAKT_LOAD_PLAN, JSON:
sessions, pages, tokens, pick lines, runs, users per kind), starts gunicorn and runs Locust on it. What the
clients were answered (order ids, lines picked, counts) and every request's time go to TAKT_LOAD_RESULT when
the test stops, so the bench can check the database against it: nothing lost, nothing twice.

Every answer other than the one expected (a 5xx, any 4xx, a 429 from the rate limit) is a Locust failure.
"""

import collections
import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["TAKT_LOAD_PLAN"]).read_text())

# Every request (kind, milliseconds, error or None, when it ended) and what the API clients were answered,
# written out at the end for the bench's figures and checks.
answered = {"requests": [], "orders": [], "replays": 0, "replayed_other": [], "picked": [], "counted": 0}
pick_lines = list(PLAN["pick_lines"])  # [id, bin code, quantity]; each is confirmed once, by whoever pops it
_numbers = itertools.count()
# The index of the next user of a kind: each API user has a token (and a machine) of its own.
_started = collections.defaultdict(itertools.count)


def _next(kind: str) -> int:
    return next(_started[kind])


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs):
    error = None if exception is None else f"{type(exception).__name__}: {exception}"[:400]
    answered["requests"].append([name, response_time, error, time.time()])


@events.test_stop.add_listener
def _write_answers(**_kwargs):
    Path(os.environ["TAKT_LOAD_RESULT"]).write_text(json.dumps(answered))


class Staff(HttpUser):
    """A planner, buyer, warehouse clerk ... signed in (a session of their own, made by the bench: signing in
    is a password hash, a morning's cost, not the day's), opening list pages of their menus and records on them."""

    fixed_count = PLAN["users"]["staff"]
    wait_time = between(0.5, 2)

    def on_start(self):
        login, session = PLAN["sessions"][_next("staff") % len(PLAN["sessions"])]
        self.pages = PLAN["pages"][login]
        self.client.cookies.set(PLAN["session_cookie"], session)

    def visit(self, path: str, name: str):
        """A page, answered 200: a redirect (to the sign-in page: the session lost) is a failure too."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code} {path}: {answer.error or answer.headers.get('Location', '')}")

    @task(3)
    def list_page(self):
        self.visit(random.choice(self.pages["lists"]), "browse: list page")

    @task(2)
    def detail_page(self):
        if self.pages["details"]:
            self.visit(random.choice(self.pages["details"]), "browse: detail page")


class ApiClient(HttpUser):
    abstract = True
    kind = ""

    def on_start(self):
        key = PLAN["tokens"][self.kind][_next(self.kind) % len(PLAN["tokens"][self.kind])]
        self.client.headers["Authorization"] = f"Bearer {key}"

    def post(self, path: str, body: dict, name: str, key: str | None = None, expected: int = 201):
        """A write with its Idempotency-Key; an answer other than `expected` is a failure."""
        headers = {"Idempotency-Key": key or str(uuid.uuid4())}
        with self.client.post(path, json=body, headers=headers, name=name, catch_response=True) as answer:
            if answer.status_code != expected:
                answer.failure(f"{answer.status_code}: {answer.error or answer.text[:300]}")
                return None
            return answer.json()


class OrderClient(ApiClient):
    """A customer's system sending sales orders; one in five is sent twice with its key, as after a timeout."""

    fixed_count = PLAN["users"]["orders"]
    wait_time = between(0.5, 2)
    kind = "orders"

    @task
    def order_create(self):
        number = next(_numbers)
        body = {**PLAN["order"], "customer_reference": f"{PLAN['reference']}-{number:06d}"}
        key = str(uuid.uuid4())
        order = self.post("/api/v1/erp/sales-orders/", body, "api: sales order create", key)
        if order is None:
            return
        answered["orders"].append(order["id"])
        if number % 5 == 0:
            replay = self.post("/api/v1/erp/sales-orders/", body, "api: sales order create (retried)", key)
            if replay is not None:
                answered["replays"] += 1
                if replay["id"] != order["id"]:
                    answered["replayed_other"].append([order["id"], replay["id"]])


class Picker(ApiClient):
    """A warehouse scanner confirming pick lines: the bin, the quantity."""

    fixed_count = PLAN["users"]["picks"]
    wait_time = between(0.5, 2)
    kind = "picks"

    @task
    def pick_confirm(self):
        if not pick_lines:
            return  # the prepared lines are all picked (the bench makes more than the run needs)
        line, bin_code, quantity = pick_lines.pop()
        body = {"location": bin_code, "quantity": quantity}
        if self.post(f"/api/v1/wms/pick-lines/{line}/confirm/", body, "api: pick confirm", expected=200):
            answered["picked"].append(line)


class MachineClient(ApiClient):
    """A machine's counter (through an edge gateway) posting good units on the operation running on it."""

    fixed_count = PLAN["users"]["mes"]
    wait_time = between(0.5, 2)
    kind = "mes"

    def on_start(self):
        super().on_start()
        self.run = PLAN["runs"][_next("runs") % len(PLAN["runs"])]

    @task
    def count(self):
        if self.post(f"/api/v1/mes/operation-runs/{self.run}/count/", {"good_qty": "1"}, "api: MES count"):
            answered["counted"] += 1
