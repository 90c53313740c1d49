"""The sales widget for capable-to-promise."""

from decimal import Decimal

import pytest

from aps.services.mrp import mrp_run

pytestmark = pytest.mark.django_db


def test_sales_ask_and_get_a_date_with_its_reasons(client_as, plant):
    frame = plant.item("FRAME", make=True)
    tube = plant.item("TUBE", lead=10)
    plant.bom(frame, [(tube, 2, 0)])
    mrp_run()
    client = client_as("sales")

    page = client.get("/aps/promise/")
    assert page.status_code == 200 and b'name="requested_date"' in page.content

    today = page.context["form"].initial["requested_date"]
    answer = client.get(
        "/aps/promise/", {"item": "FRAME", "quantity": "3", "requested_date": today}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    promise = answer.context["promise"]
    assert promise.quantity == Decimal(3) and not promise.on_time
    assert b"TUBE" in answer.content and b"to buy or make" in answer.content
    assert b"<html" not in answer.content  # only the answer is swapped in

    wrong = client.get(
        "/aps/promise/", {"item": "NOPE", "quantity": "-1", "requested_date": today}, HTTP_HX_REQUEST="true"
    )
    assert "promise" not in wrong.context and b"Quantity" in wrong.content


def test_people_without_the_plan_are_kept_out(client_as):
    assert client_as("hr").get("/aps/promise/").status_code == 403
