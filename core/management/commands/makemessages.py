"""Django's makemessages, plus the model and field names no source line spells out (core/i18n.py)."""

import polib
from django.core.management.commands import makemessages

from core.i18n import MODEL_MESSAGES


class Command(makemessages.Command):
    def build_potfiles(self):
        potfiles = super().build_potfiles()
        if self.domain != "django":
            return potfiles
        for path in potfiles:
            pot = polib.pofile(path, wrapwidth=0)
            known = {entry.msgid for entry in pot if not entry.msgctxt}
            for msgid, source in sorted(MODEL_MESSAGES.items()):
                if msgid not in known:
                    pot.append(polib.POEntry(msgid=msgid, msgstr="", comment=f"model name: {source}"))
            pot.save(path)
        return potfiles
