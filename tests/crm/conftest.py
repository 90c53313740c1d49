"""Fixtures the CRM test modules use without importing them (so their test functions' arguments do not redefine
imported names). Each area's fixtures live in its own module; modules that import fixtures explicitly keep theirs."""

from tests.crm.cases_support import (  # noqa: F401  (fixtures)
    case_clock,
    case_contact,
    genealogy_chain,
    office_hours,
    serial_kettle,
    sla_policies,
)
from tests.crm.quoting import (  # noqa: F401  (fixtures)
    bin_,
    clock,
    company,
    customer,
    floor,
    goods,
    item,
    other_customer,
    portal_api,
    prices,
    quote_of,
    receive,
    sent_quote,
    tracked,
    usd,
    vat,
    warehouse,
)
