import datetime
import threading

import pytest
from django.db import connection, transaction

from core.models import NumberSequence
from core.services.numbering import next_document_number


@pytest.mark.django_db
def test_numbers_count_per_type_and_year():
    on = datetime.date(2026, 3, 1)
    assert next_document_number(doc_type="SO", on=on) == "SO-2026-00001"
    assert next_document_number(doc_type="SO", on=on) == "SO-2026-00002"
    assert next_document_number(doc_type="PO", on=on) == "PO-2026-00001"
    assert next_document_number(doc_type="SO", on=datetime.date(2027, 1, 1)) == "SO-2027-00001"


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back():
    on = datetime.date(2026, 3, 1)
    next_document_number(doc_type="SO", on=on)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_document_number(doc_type="SO", on=on) == "SO-2026-00002"
        raise RuntimeError("the order failed validation")
    assert next_document_number(doc_type="SO", on=on) == "SO-2026-00002"


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_get_distinct_gap_free_numbers():
    issued: list[str] = []
    errors: list[BaseException] = []

    def issue(count: int) -> None:
        try:
            for _ in range(count):
                with transaction.atomic():
                    issued.append(next_document_number(doc_type="MO", on=datetime.date(2026, 1, 1)))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert sorted(issued) == [f"MO-2026-{n:05d}" for n in range(1, 101)]
    assert NumberSequence.objects.get(doc_type="MO", year=2026).last_value == 100
