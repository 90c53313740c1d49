"""Django's Simplified Chinese formats, with the ISO forms first among the input formats.

A form renders a date or time field's value in the first input format; `<input type="date">` and
`type="datetime-local"` accept only the ISO forms (2026-09-05), and Django's own list starts with 2026/09/05.
Dates shown as text keep the Chinese forms (2026年9月5日).
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403
from django.conf.locale.zh_Hans.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS


def _iso_first(formats: list[str]) -> list[str]:
    return sorted(formats, key=lambda fmt: not fmt.startswith("%Y-"))


DATE_INPUT_FORMATS = _iso_first(DATE_INPUT_FORMATS)
DATETIME_INPUT_FORMATS = _iso_first(DATETIME_INPUT_FORMATS)
