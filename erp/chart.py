"""The default chart of accounts and the account each posting role books to.

Loaded after every migrate (and test-database flush) where missing, so stock can be valued from the
first move; finance may rename accounts, add its own and remap roles per item category.
"""

from erp.choices import AccountKind, AccountRole

ASSET, LIABILITY, EQUITY, INCOME, EXPENSE = (
    AccountKind.ASSET,
    AccountKind.LIABILITY,
    AccountKind.EQUITY,
    AccountKind.INCOME,
    AccountKind.EXPENSE,
)

# code, name, kind, the roles it books by default
DEFAULT_CHART = [
    ("1000", "Bank", ASSET, [AccountRole.BANK]),
    ("1100", "Accounts receivable", ASSET, [AccountRole.RECEIVABLES]),
    ("1200", "Input tax receivable", ASSET, [AccountRole.TAX_RECEIVABLE]),
    ("1300", "Inventory", ASSET, [AccountRole.INVENTORY]),
    ("1400", "Work in progress", ASSET, [AccountRole.WORK_IN_PROGRESS]),
    ("2000", "Accounts payable", LIABILITY, [AccountRole.PAYABLES]),
    ("2100", "Goods received not invoiced", LIABILITY, [AccountRole.GOODS_RECEIVED_NOT_INVOICED]),
    ("2200", "Output tax payable", LIABILITY, [AccountRole.TAX_PAYABLE]),
    ("3000", "Share capital", EQUITY, []),
    ("3100", "Retained earnings", EQUITY, []),
    # What a plant owned when it started with Takt (its opening stock): equity, never profit.
    ("3900", "Opening balance equity", EQUITY, [AccountRole.OPENING_BALANCE]),
    ("4000", "Sales revenue", INCOME, [AccountRole.SALES]),
    ("5000", "Cost of goods sold", EXPENSE, [AccountRole.COST_OF_GOODS_SOLD]),
    ("5100", "Purchase price variance", EXPENSE, [AccountRole.PURCHASE_PRICE_VARIANCE]),
    ("5200", "Material price variance", EXPENSE, [AccountRole.MATERIAL_PRICE_VARIANCE]),
    ("5210", "Material usage variance", EXPENSE, [AccountRole.MATERIAL_USAGE_VARIANCE]),
    ("5220", "Labor efficiency variance", EXPENSE, [AccountRole.LABOR_EFFICIENCY_VARIANCE]),
    ("5230", "Machine efficiency variance", EXPENSE, [AccountRole.MACHINE_EFFICIENCY_VARIANCE]),
    ("5240", "Scrap variance", EXPENSE, [AccountRole.SCRAP_VARIANCE]),
    ("5300", "Scrapped stock", EXPENSE, [AccountRole.SCRAP_EXPENSE]),
    ("5400", "Inventory adjustments", EXPENSE, [AccountRole.INVENTORY_ADJUSTMENT]),
    ("5500", "Standard cost revaluation", EXPENSE, [AccountRole.REVALUATION]),
    ("6000", "Purchased services and expenses", EXPENSE, [AccountRole.EXPENSE]),
    # Credited when production absorbs labor and machine time; the payroll and the plant's running
    # costs are debited against them, so their net is the under- or over-absorption.
    ("7000", "Labor absorbed", EXPENSE, [AccountRole.LABOR_ABSORBED]),
    ("7100", "Machine overhead absorbed", EXPENSE, [AccountRole.MACHINE_ABSORBED]),
]


def default_chart_load() -> None:
    """Create the default accounts and mappings that are missing; never touches existing ones. The ERP
    settings row is made too, so that valuing the first stock move does not have to."""
    from erp.models import Account, AccountMapping, ErpSettings

    ErpSettings.load()

    for code, name, kind, roles in DEFAULT_CHART:
        account, _created = Account.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
        for role in roles:
            if not AccountMapping.objects.filter(role=role, category=None).exists():
                AccountMapping.objects.create(role=role, category=None, account=account)
