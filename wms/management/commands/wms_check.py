from django.core.management.base import BaseCommand, CommandError

from core.models import Item
from wms.models import Location, Lot
from wms.selectors.stock import ledger_mismatches
from wms.services.moves import qty


class Command(BaseCommand):
    help = "Prove the stock ledger: every quant equals the sum of its moves and its reservations. Exit 1 if not."

    def handle(self, *args, **options):
        mismatches = ledger_mismatches()
        if not mismatches:
            self.stdout.write(
                self.style.SUCCESS("The stock ledger is consistent: every quant is the sum of its moves.")
            )
            return
        items = Item.objects.in_bulk({m["item_id"] for m in mismatches})
        locations = Location.objects.in_bulk({m["location_id"] for m in mismatches})
        lots = Lot.objects.in_bulk({m["lot_id"] for m in mismatches if m["lot_id"]})
        for m in mismatches:
            lot = f" lot {lots[m['lot_id']].code}" if m["lot_id"] else ""
            self.stderr.write(
                f"{items[m['item_id']].code}{lot} @ {locations[m['location_id']].code}: quant {qty(m['quant'])}, "
                f"moves {qty(m['ledger'])}; reserved {qty(m['reserved'])}, reservations {qty(m['reservations'])}"
            )
        raise CommandError(f"{len(mismatches)} quant(s) disagree with the ledger.", returncode=1)
