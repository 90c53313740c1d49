"""The pipeline screens: the board (cards, totals, overdue flags, owner filter), the move endpoint a drop
posts to (and its refusals, which send the card back), won/lost/reopen from a card or the page, the
opportunity pages and forms, the dashboard; who may open and press what; and the drag in a real browser."""

import datetime
import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from core.services.roles import model_access
from crm.models import Activity, LostReason, Opportunity, SalesTarget
from crm.services.opportunities import opportunity_lose, opportunity_win
from crm.views.opportunities import SCREENS
from tests.crm.pipeline_fixtures import (  # noqa: F401  (fixtures)
    company,
    customer,
    make_opportunity,
    price_reason,
    seller,
    stages,
    usd,
)

pytestmark = pytest.mark.django_db
CHROMIUM = Path("/usr/bin/chromium")
JSON = {"HTTP_ACCEPT": "application/json"}


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def pipeline(make_opportunity, usd, seller, make_user):  # noqa: F811
    """Sally's kettles (10,000 CNY, Prospecting, overdue), toasters (2,000 USD at 7.1, Proposal) and a won
    deal; Bob's blenders (4,000 CNY, Proposal)."""
    today = timezone.localdate()
    bob = make_user(Role.SALES, username="bob")
    return {
        "kettles": make_opportunity(close_date=today - datetime.timedelta(days=3)),
        "toasters": make_opportunity(
            name="Toasters", stage="Proposal", currency=usd, expected_revenue=Decimal("2000"), close_date=today
        ),
        "blenders": make_opportunity(
            name="Blenders", stage="Proposal", owner=bob, expected_revenue=Decimal("4000"), close_date=today
        ),
        "won": opportunity_win(opportunity=make_opportunity(name="Irons")),
        "bob": bob,
    }


def test_the_board_shows_open_stages_with_cards_totals_and_overdue_flags(client_as, pipeline, stages):  # noqa: F811
    html = page(client_as(Role.SALES).get(reverse("crm:pipeline")))
    for name in ("Prospecting", "Qualification", "Proposal", "Negotiation"):
        assert f'aria-label="{name}"' in html
    assert 'aria-label="Won"' not in html and "Irons" not in html  # closed ones are not on the board
    proposal = html.split(f'id="column-{stages["Proposal"].pk}"')[1].split("</section>")[0]
    # 2,000 USD x 7.1 = 14,200 CNY + 4,000 = 18,200; weighted at 50 %: 9,100.
    assert 'data-total="count">2<' in proposal
    assert 'data-total="value">18,200<' in proposal and 'data-total="weighted">9,100<' in proposal
    assert "Toasters" in proposal and "Blenders" in proposal
    kettles = html.split(f'id="card-{pipeline["kettles"].pk}"')[1].split("</article>")[0]
    assert "border-danger" in html.split(f'id="card-{pipeline["kettles"].pk}"')[0].rsplit("<article", 1)[1]
    assert "Overdue:" in kettles
    toasters = html.split(f'id="card-{pipeline["toasters"].pk}"')[1].split("</article>")[0]
    assert "Overdue:" not in toasters and "2,000 USD" in toasters


def test_the_board_filters_by_owner(client_as, pipeline):
    html = page(client_as(Role.SALES).get(reverse("crm:pipeline"), {"owner": pipeline["bob"].pk}))
    assert "Blenders" in html and "Toasters" not in html and 'data-owner="%s"' % pipeline["bob"].pk in html  # noqa: UP031


def test_the_board_takes_a_fixed_number_of_queries(client_as, make_opportunity, usd, django_assert_max_num_queries):  # noqa: F811
    client = client_as(Role.SALES)
    url = reverse("crm:pipeline")
    client.get(url)
    for index in range(12):
        make_opportunity(name=f"Deal {index}", stage=["Prospecting", "Proposal"][index % 2], currency=usd)
    with django_assert_max_num_queries(14):
        html = page(client.get(url))
    assert html.count('class="pipeline-card card') == 12


def test_a_drop_moves_the_card_and_answers_the_new_totals(client_as, pipeline, stages):  # noqa: F811
    kettles = pipeline["kettles"]
    response = client_as(Role.SALES).post(
        reverse("crm:opportunity_move", args=[kettles.pk]), {"stage": stages["Negotiation"].pk}, **JSON
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["stage"] == stages["Negotiation"].pk and kettles.number in answer["message"]
    assert answer["probability"] == "75"
    totals = {column["stage"]: column for column in answer["columns"]}
    assert totals[stages["Negotiation"].pk] == {
        "stage": stages["Negotiation"].pk,
        "count": 1,
        "value": "10,000",
        "weighted": "7,500",
    }
    assert totals[stages["Prospecting"].pk]["count"] == 0
    kettles.refresh_from_db()
    assert (kettles.stage, kettles.probability_pct) == (stages["Negotiation"], Decimal("75"))


def test_the_totals_answered_keep_the_board_owner_filter(client_as, pipeline, stages):  # noqa: F811
    response = client_as(Role.SALES).post(
        reverse("crm:opportunity_move", args=[pipeline["toasters"].pk]),
        {"stage": stages["Negotiation"].pk, "owner": pipeline["bob"].pk},
        **JSON,
    )
    totals = {column["stage"]: column["count"] for column in response.json()["columns"]}
    assert totals[stages["Proposal"].pk] == 1 and totals[stages["Negotiation"].pk] == 0  # Bob's board only


def test_a_refused_drop_is_a_400_with_the_reason_and_changes_nothing(client_as, pipeline, stages):  # noqa: F811
    client = client_as(Role.SALES)
    won = pipeline["won"]
    response = client.post(reverse("crm:opportunity_move", args=[won.pk]), {"stage": stages["Proposal"].pk}, **JSON)
    assert response.status_code == 400 and "reopen it before moving it" in response.json()["message"]
    kettles = pipeline["kettles"]
    response = client.post(reverse("crm:opportunity_move", args=[kettles.pk]), {"stage": stages["Lost"].pk}, **JSON)
    assert response.status_code == 400 and "Say why" in response.json()["message"]
    response = client.post(reverse("crm:opportunity_move", args=[kettles.pk]), {"stage": "999999"}, **JSON)
    assert response.status_code == 400 and "Stage" in response.json()["message"]
    kettles.refresh_from_db()
    won.refresh_from_db()
    assert (kettles.stage.name, kettles.state, won.stage.name, won.state) == ("Prospecting", "open", "Won", "won")


def test_a_role_that_only_reads_cannot_move(client_as, pipeline, stages):  # noqa: F811
    client = client_as(Role.PLANNER)
    kettles = pipeline["kettles"]
    url = reverse("crm:opportunity_move", args=[kettles.pk])
    response = client.post(url, {"stage": stages["Proposal"].pk}, **JSON)
    assert response.status_code == 403 and "Your role cannot do this." in response.json()["message"]
    response = client.post(url, {"stage": stages["Proposal"].pk}, follow=True)
    assert "Your role cannot do this." in messages_of(response)
    html = page(client.get(reverse("crm:pipeline")))
    assert 'draggable="true"' not in html and 'data-can-move="false"' in html
    kettles.refresh_from_db()
    assert kettles.stage.name == "Prospecting"
    assert client.get(reverse("crm:opportunity_move", args=[kettles.pk])).status_code == 405


def test_without_drag_the_card_select_moves_and_returns_to_the_board(client_as, pipeline, stages):  # noqa: F811
    board = reverse("crm:pipeline") + "?owner="
    response = client_as(Role.SALES).post(
        reverse("crm:opportunity_move", args=[pipeline["kettles"].pk]),
        {"stage": stages["Qualification"].pk, "next": board},
    )
    assert response.status_code == 302 and response["Location"] == board
    pipeline["kettles"].refresh_from_db()
    assert pipeline["kettles"].stage.name == "Qualification"
    # Somewhere else than this site is not followed.
    response = client_as(Role.SALES).post(
        reverse("crm:opportunity_move", args=[pipeline["kettles"].pk]),
        {"stage": stages["Proposal"].pk, "next": "https://example.com/"},
    )
    assert response["Location"] == pipeline["kettles"].get_absolute_url()


def test_won_and_lost_from_a_card_with_a_reason(client_as, pipeline, price_reason):  # noqa: F811
    client = client_as(Role.SALES)
    board = reverse("crm:pipeline")
    response = client.post(reverse("crm:opportunity_lose", args=[pipeline["kettles"].pk]), {"next": board}, follow=True)
    assert any("Reason: This field is required." in message for message in messages_of(response))
    response = client.post(
        reverse("crm:opportunity_lose", args=[pipeline["kettles"].pk]),
        {"next": board, "lost_reason": price_reason.pk, "lost_note": "8 % dearer"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == board
    assert f"Lost {pipeline['kettles'].number}." in messages_of(response)
    response = client.post(reverse("crm:opportunity_win", args=[pipeline["toasters"].pk]), {"next": board})
    assert response["Location"] == board
    states = dict(Opportunity.objects.values_list("name", "state"))
    assert (states["Kettles for the spring catalog"], states["Toasters"]) == ("lost", "won")
    kettles = Opportunity.objects.get(pk=pipeline["kettles"].pk)
    assert (kettles.lost_reason, kettles.lost_note) == (price_reason, "8 % dearer")


def test_the_page_shows_activities_and_reopens(client_as, pipeline, seller, stages):  # noqa: F811
    won = pipeline["won"]
    Activity.objects.create(
        kind="call", subject="Called about the spring range", opportunity=won, owner=seller, occurred_at=timezone.now()
    )
    client = client_as(Role.SALES)
    html = page(client.get(won.get_absolute_url()))
    assert "Called about the spring range" in html and 'id="reopen-form"' in html and 'id="win-form"' not in html
    response = client.post(
        reverse("crm:opportunity_reopen", args=[won.pk]), {"stage": stages["Proposal"].pk}, follow=True
    )
    assert f"Reopened {won.number} in Proposal." in messages_of(response)
    html = page(response)
    assert 'id="move-form"' in html and 'id="lose-form"' in html


def test_the_page_of_an_overdue_one_says_so(client_as, pipeline):
    html = page(client_as(Role.PLANNER).get(pipeline["kettles"].get_absolute_url()))
    assert 'id="overdue"' in html and 'id="move-form"' not in html  # a reader sees, does not press


def test_create_and_edit_through_the_forms(client_as, customer, stages, seller, usd):  # noqa: F811
    client = client_as(Role.SALES)
    response = client.post(
        reverse("crm:opportunity_add"),
        {
            "name": "Coffee machines",
            "account": "MEDIAHOME",
            "owner": seller.pk,
            "stage": stages["Qualification"].pk,
            "expected_revenue": "25000",
            "close_date": "2027-02-15",
        },
    )
    opportunity = Opportunity.objects.get(name="Coffee machines")
    assert response["Location"] == opportunity.get_absolute_url()
    assert (opportunity.currency, opportunity.probability_pct) == (customer.currency, Decimal("20"))
    response = client.post(
        reverse("crm:opportunity_edit", args=[opportunity.pk]),
        {
            "name": "Coffee machines",
            "account": "MEDIAHOME",
            "owner": seller.pk,
            "expected_revenue": "27000",
            "currency": usd.pk,
            "close_date": "2027-03-01",
            "probability_pct": "35",
        },
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.expected_revenue, opportunity.currency, opportunity.probability_pct) == (
        Decimal("27000"),
        usd,
        Decimal("35"),
    )


def test_the_service_refusal_lands_on_the_form(client_as, company, seller):  # noqa: F811
    from core.models import Partner

    Partner.objects.create(code="NOTME", name="Not me", kind="customer", currency=company.currency, active=False)
    response = client_as(Role.SALES).post(
        reverse("crm:opportunity_add"),
        {"name": "x", "account": "NOTME", "owner": seller.pk, "expected_revenue": "1", "close_date": "2027-02-15"},
    )
    assert response.status_code == 200 and "NOTME is inactive." in response.content.decode()
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize("screens", SCREENS, ids=lambda s: s.meta.label)
def test_list_detail_and_edit_pages_render(client_as, pipeline, company, screens):  # noqa: F811
    SalesTarget.objects.create(month=datetime.date(2026, 12, 1), amount=Decimal(5), currency=company.currency)
    client = client_as(Role.ADMIN)
    page(client.get(reverse(screens.url_name("list"))))
    obj = screens.get_queryset().first()
    page(client.get(reverse(screens.url_name("detail"), args=[obj.pk])))
    page(client.get(reverse(screens.url_name("edit"), args=[obj.pk])))
    page(client.get(reverse(screens.url_name("add"))))


def test_the_list_filters_by_stage_owner_state_and_close_month(client_as, pipeline):
    client = client_as(Role.SALES)
    url = reverse("crm:opportunity_list")
    this_month = timezone.localdate().strftime("%Y-%m")
    html = page(client.get(url, {"stage": "Proposal", "owner": "bob", "state": "open", "close_month": this_month}))
    assert "Blenders" in html and "Toasters" not in html and "Kettles" not in html
    html = page(client.get(url, {"state": "won"}))
    assert "Irons" in html and "Blenders" not in html


@pytest.mark.parametrize("role", list(Role))
def test_pages_follow_the_access_table(client_as, pipeline, role):
    rule = model_access()["crm.opportunity"]
    client = client_as(role)
    allowed = role == Role.ADMIN or role in rule.view
    for url in (
        reverse("crm:dashboard"),
        reverse("crm:pipeline"),
        reverse("crm:forecast"),
        reverse("crm:opportunity_list"),
        pipeline["kettles"].get_absolute_url(),
    ):
        assert client.get(url).status_code == (200 if allowed else 403), (role, url)
    can_manage = role == Role.ADMIN or role in rule.manage
    assert client.get(reverse("crm:opportunity_add")).status_code == (200 if can_manage else 403)
    assert (role in (Role.ADMIN, Role.SALES)) == can_manage and (role == Role.PLANNER) <= allowed


def test_the_dashboard_shows_stage_values_win_rate_forecast_and_cases(client_as, pipeline, price_reason, company):  # noqa: F811
    opportunity_lose(opportunity=pipeline["blenders"], lost_reason=price_reason)
    SalesTarget.objects.create(
        month=timezone.localdate().replace(day=1), amount=Decimal(50000), currency=company.currency
    )
    response = client_as(Role.SALES).get(reverse("crm:dashboard"))
    html = page(response)
    charts = json.loads(html.split('id="crm-stage-data" type="application/json">')[1].split("</script>")[0])
    assert charts["labels"] == ["Prospecting", "Qualification", "Proposal", "Negotiation"]
    assert charts["value"] == [10000.0, 0.0, 14200.0, 0.0]
    # One won (Irons, 10,000) and one lost (Blenders, 4,000): 50 % by count, 71.4 % by value.
    win_rate = html.split('id="kpi-win-rate"')[1].split("</div></div></div>")[0]
    assert "50.0 %" in win_rate and "71.4 %" in win_rate
    forecast = json.loads(html.split('id="crm-forecast-data" type="application/json">')[1].split("</script>")[0])
    assert forecast["target"][0] == 50000.0 and forecast["won"][0] == 10000.0
    assert 'id="kpi-cases"' in html and 'id="kpi-breaches"' in html
    assert 'src="/static/js/crm-dashboard.js"' in html and "<script>" not in html


def test_the_dashboard_without_a_company_says_so(client_as, stages):  # noqa: F811
    response = client_as(Role.SALES).get(reverse("crm:dashboard"))
    assert "No company is set up yet." in messages_of(response)


def test_the_dashboard_and_forecast_take_a_fixed_number_of_queries(
    client_as,
    make_opportunity,  # noqa: F811
    usd,  # noqa: F811
    seller,  # noqa: F811
    django_assert_max_num_queries,  # noqa: F811, RUF100
):
    client = client_as(Role.SALES)
    client.get(reverse("crm:dashboard"))
    client.get(reverse("crm:forecast"))
    for index in range(10):
        make_opportunity(
            name=f"Deal {index}",
            currency=usd,
            close_date=timezone.localdate() + datetime.timedelta(days=31 * (index % 4)),
        )
    with django_assert_max_num_queries(30):
        page(client.get(reverse("crm:dashboard")))
    with django_assert_max_num_queries(16):
        page(client.get(reverse("crm:forecast")))


# --- The drag, in a real browser --------------------------------------------------------------------------------


@pytest.fixture
def playwright_session():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's Chromium (apt-get install -y chromium).")
    from playwright.sync_api import sync_playwright

    return sync_playwright


def _sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("crm:pipeline"))
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-Takt-2026")
    page.click("button[type=submit]")
    page.wait_for_selector("#pipeline-board")


def _lose(opportunity: Opportunity) -> None:
    try:
        opportunity_lose(opportunity=opportunity, lost_reason=LostReason.objects.get(code="PRICE"))
    finally:
        connection.close()


def _outside_the_browser_loop(function, *args) -> None:
    """Playwright runs an event loop in the test's thread, where Django refuses database work: do it in another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(function, *args).result()


@pytest.mark.django_db(transaction=True)
def test_dragging_a_card_moves_it_and_a_refused_drop_puts_it_back(
    live_server,
    make_opportunity,  # noqa: F811
    stages,  # noqa: F811
    seller,  # noqa: F811
    playwright_session,  # noqa: F811, RUF100
):
    kettles = make_opportunity()
    doomed = make_opportunity(name="Doomed deal", stage="Qualification")
    with playwright_session() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        _sign_in(page, live_server, "sally")
        proposal = f"#column-{stages['Proposal'].pk}"
        page.drag_and_drop(f"#card-{kettles.pk}", f"{proposal} [data-dropzone]")
        page.wait_for_selector("#pipeline-messages .alert-success")
        moved_message = page.inner_text("#pipeline-messages")
        proposal_count = page.inner_text(f"{proposal} [data-total=count]")
        proposal_value = page.inner_text(f"{proposal} [data-total=value]")
        in_proposal = page.locator(f"{proposal} #card-{kettles.pk}").count()
        probability = page.inner_text(f"#card-{kettles.pk} [data-card=probability]")

        # Meanwhile someone else loses the other deal: the drop is refused and the card goes back.
        _outside_the_browser_loop(_lose, doomed)
        page.drag_and_drop(f"#card-{doomed.pk}", f"{proposal} [data-dropzone]")
        page.wait_for_selector("#pipeline-messages .alert-danger")
        refused_message = page.inner_text("#pipeline-messages")
        back_home = page.locator(f"#column-{stages['Qualification'].pk} #card-{doomed.pk}").count()
        browser.close()

    assert kettles.number in moved_message and "Proposal" in moved_message
    assert (proposal_count, proposal_value, in_proposal, probability) == ("1", "10,000", 1, "50")
    assert "reopen it before moving it" in refused_message and back_home == 1
    kettles.refresh_from_db()
    doomed.refresh_from_db()
    assert (kettles.stage.name, doomed.stage.name, doomed.state) == ("Proposal", "Lost", "lost")
