"""Fixtures the SRM test modules use without importing them (so their test functions' arguments do not redefine
imported names). Each area's fixtures live in its own module and are listed here."""

from tests.srm.suppliers_fixtures import (  # noqa: F401  (fixtures)
    company,
    customer,
    element,
    item,
    make_certificate,
    make_source,
    second_supplier,
    supplier,
    usd,
    warehouse,
)
