"""Model and field names in the user's language.

Most fields take their label from their attribute name ("due_date" reads "due date"); writing
`verbose_name=_("due date")` on each of them would change every migration. Instead, as each Takt model
class is prepared, its plain-text names become lazy translations of themselves, and `makemessages` (core's
override) adds them to the catalog. Migrations keep reading the names the code wrote (a field's
`_verbose_name`, a model's `Meta`), so they see no change.
"""

from django.conf import settings
from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext_lazy

# msgid -> where it comes from ("erp.SalesOrder.due_date"), for the catalog's source references.
MODEL_MESSAGES: dict[str, str] = {}


def _lazy(text: str, source: str):
    MODEL_MESSAGES.setdefault(text, source)
    return gettext_lazy(text)


def translate_model_names(sender: type[Model], **kwargs) -> None:
    """class_prepared receiver: the names of a Takt model and its fields become translatable."""
    opts = sender._meta
    if opts.app_label not in settings.TAKT_APPS:
        return
    source = f"{opts.app_label}.{sender.__name__}"
    if "verbose_name_plural" not in opts.original_attrs:  # Django's default: the singular with an "s"
        with translation.override(None):  # the English text of a singular that is already lazy
            opts.verbose_name_plural = f"{opts.verbose_name}s"
    if isinstance(opts.verbose_name_plural, str):
        opts.verbose_name_plural = _lazy(opts.verbose_name_plural, source)
    if isinstance(opts.verbose_name, str):
        opts.verbose_name = _lazy(opts.verbose_name, source)
    for field in (*opts.local_fields, *opts.local_many_to_many):
        if isinstance(field.verbose_name, str):
            field.verbose_name = _lazy(field.verbose_name, f"{source}.{field.name}")
