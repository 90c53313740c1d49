"""The scorecard screens: the list, one month with the lines it judged, a supplier's page (standing, the
trend chart's data, its months) and computing a month from it; who may see and who may compute."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import BlockPurpose, PartnerBlock
from core.roles import Role
from srm.models import Scorecard, ScorecardRating, SupplierQualityEvent
from srm.services.scorecards import block_source
from tests.srm.portal_fixtures import *  # noqa: F403
from tests.srm.portal_fixtures import receive_line

pytestmark = pytest.mark.django_db


def month(year: int, number: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, number, 1)
    return start, (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


@pytest.fixture
def scorecards(supplier, other_supplier):
    """HEATCO's August to October (October warned of), and COILTEC's October."""
    made = []
    for number, score, on_time, rating, reason in [
        (8, "92.50", "100.00", ScorecardRating.OK, ""),
        (9, None, None, ScorecardRating.OK, ""),
        (10, "71.20", "60.00", ScorecardRating.WARN, "Score 71.2 is below 80 (warning)"),
    ]:
        start, end = month(2026, number)
        made.append(
            Scorecard.objects.create(
                supplier=supplier,
                period_start=start,
                period_end=end,
                deliveries=5 if score else 0,
                on_time_deliveries=3 if score else 0,
                on_time_pct=on_time and Decimal(on_time),
                score=score and Decimal(score),
                rating=rating,
                rating_reason=reason,
                computed_at=timezone.now(),
            )
        )
    start, end = month(2026, 10)
    Scorecard.objects.create(
        supplier=other_supplier, period_start=start, period_end=end, score=Decimal("55"), computed_at=timezone.now()
    )
    return made


def test_buyers_list_the_scorecards_and_filter_them(client_as, scorecards):
    client = client_as(Role.BUYER)
    page = client.get("/srm/scorecards/").content.decode()
    assert "HEATCO" in page and "COILTEC" in page and "2026-10" in page
    warned = client.get("/srm/scorecards/?rating=warn").content.decode()
    assert "HEATCO" in warned and "COILTEC" not in warned
    export = client.get("/srm/scorecards/?supplier=COILTEC&export=csv")
    assert b"".join(export.streaming_content).decode().count("COILTEC") == 1


def test_the_suppliers_page_shows_its_standing_trend_and_months(client_as, scorecards, supplier):
    response = client_as(Role.BUYER).get(f"/srm/scorecards/supplier/{supplier.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="scorecard-warning"' in page and "Score 71.2 is below 80 (warning)" in page
    assert 'id="scorecard-block"' not in page
    data = json.loads(re.search(r'<script id="scorecard-chart-data" type="application/json">(.*?)</script>', page)[1])
    assert data["labels"] == ["2026-08", "2026-09", "2026-10"]
    score = next(series for series in data["series"] if series["label"] == "Score")
    assert score["data"] == [92.5, None, 71.2]  # September had nothing to measure: a gap, not a zero
    # Drawn by the static script: no inline JavaScript on the page.
    assert "js/srm-scorecards.js" in page and "vendor/chart.umd.min.js" in page
    assert re.findall(r"<script(?![^>]*\b(?:src|type=\"application/json\")).*?>", page) == []
    assert 'id="compute"' in page  # buyers may compute a month


def test_a_blocked_supplier_shows_the_block_and_its_reason(client_as, scorecards, supplier):
    PartnerBlock.objects.create(
        partner=supplier,
        purpose=BlockPurpose.PURCHASING,
        source=block_source(supplier),
        reason="Scorecard 2026-10: Reject rate % 6 is above 5 (blocked)",
        effective_from=timezone.localdate(),
    )
    page = client_as(Role.QUALITY).get(f"/srm/scorecards/supplier/{supplier.pk}/").content.decode()
    assert 'id="scorecard-block"' in page and "Reject rate % 6 is above 5" in page
    assert 'id="compute"' not in page  # quality sees, buyers compute


def test_one_month_shows_the_lines_it_judged(client_as, make_order, supplier, parts):
    element, _cable = parts
    today = timezone.localdate()
    order = make_order(
        lines=[{"item": element, "quantity": Decimal(10), "unit_price": Decimal(10), "expected_date": today}]
    )
    receive_line(order, 1, 10)
    client = client_as(Role.BUYER)
    response = client.post(f"/srm/scorecards/supplier/{supplier.pk}/compute/", {"compute-month": f"{today:%Y-%m}"})
    assert response.status_code == 302
    scorecard = Scorecard.objects.get(supplier=supplier)
    assert (scorecard.period_start, scorecard.deliveries, scorecard.on_time_pct) == (
        today.replace(day=1),
        1,
        Decimal("100.00"),
    )
    page = client.get(scorecard.get_absolute_url()).content.decode()
    assert f"{order.number}/1" in page and "on time" in page
    recompute = client.post(f"/srm/scorecards/{scorecard.pk}/recompute/")
    assert recompute.status_code == 302 and Scorecard.objects.count() == 1


def test_computing_a_month_not_begun_is_refused_on_the_page(client_as, supplier):
    future = timezone.localdate() + datetime.timedelta(days=40)
    client = client_as(Role.BUYER)
    response = client.post(
        f"/srm/scorecards/supplier/{supplier.pk}/compute/", {"compute-month": f"{future:%Y-%m}"}, follow=True
    )
    assert "That month has not begun." in response.content.decode()
    assert not Scorecard.objects.exists()


def test_who_may_see_and_who_may_compute(client_as, scorecards, supplier, customer):
    scorecard = scorecards[-1]
    assert client_as(Role.OPERATOR).get("/srm/scorecards/").status_code == 403
    assert client_as(Role.WAREHOUSE).get(f"/srm/scorecards/supplier/{supplier.pk}/").status_code == 403
    assert client_as(Role.BUYER).get(f"/srm/scorecards/supplier/{customer.pk}/").status_code == 404
    quality = client_as(Role.QUALITY)
    assert quality.get(scorecard.get_absolute_url()).status_code == 200
    quality.post(f"/srm/scorecards/{scorecard.pk}/recompute/")
    quality.post(f"/srm/scorecards/supplier/{supplier.pk}/compute/", {"compute-month": "2026-10"})
    scorecard.refresh_from_db()
    assert scorecard.score == Decimal("71.20")  # nothing recomputed by a role that may only look


def test_quality_events_and_the_partner_link(client_as, scorecards, supplier, parts):
    SupplierQualityEvent.objects.create(
        supplier=supplier,
        occurred_at=timezone.now(),
        quantity=Decimal(3),
        item=parts[0],
        source="mes.nonconformance",
        reference="NC-2026-00077",
        description="Element leaks",
    )
    client = client_as(Role.BUYER)
    assert "NC-2026-00077" in client.get(f"/srm/scorecards/supplier/{supplier.pk}/").content.decode()
    assert f"/srm/scorecards/supplier/{supplier.pk}/" in client.get(supplier.get_absolute_url()).content.decode()


def test_the_menu_offers_scorecards_and_asns(client_as):
    page = client_as(Role.BUYER).get("/").content.decode()
    assert "/srm/scorecards/" in page and "/srm/asns/" in page


def test_the_standing_tag_shows_a_suppliers_warning_to_who_may_see_scorecards(scorecards, supplier, make_user):
    from django.template import Context, Template

    template = Template("{% load srm_scorecards %}{% scorecard_standing supplier %}")
    shown = template.render(Context({"user": make_user(Role.BUYER), "supplier": supplier}))
    assert "alert-warning" in shown and "Scorecard 2026-10" in shown and "Score 71.2 is below 80 (warning)" in shown
    assert template.render(Context({"user": make_user(Role.OPERATOR), "supplier": supplier})).strip() == ""
