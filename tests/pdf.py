"""Reading the PDFs Takt prints (reportlab's output) back in tests: the text drawn on the pages, the number of
pages, and whether a Code128 barcode of a value is drawn."""

import base64
import re
import zlib

from reportlab.graphics.barcode.code128 import Code128

PDF_NUMBER = rb"(-?(?:\d+\.?\d*|\.\d+))"


def page_streams(pdf: bytes) -> list[bytes]:
    """The content streams of a PDF, inflated (reportlab's filters: ASCII85 over Flate)."""
    streams = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        stream = stream.strip()
        if stream.endswith(b"~>"):
            stream = zlib.decompress(base64.a85decode(stream[:-2]))
        streams.append(stream)
    return streams


# The one-letter escapes of PDF strings; others stand for themselves (\\( is "(") or are octal codes.
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(match: re.Match) -> bytes:
    escaped = match[1]
    if escaped.isdigit():
        return bytes([int(escaped, 8)])
    return _ESCAPES.get(escaped, escaped)


def _unescaped(string: bytes, encoding: str = "cp1252") -> str:
    """A PDF string's text, its escapes undone (\\267 is ·), in its font's encoding: WinAnsi for the standard
    fonts, UCS-2 for the CJK font."""
    return re.sub(rb"\\([0-7]{1,3}|.)", _unescape, string).decode(encoding, errors="replace")


# The PDF's objects; a font's is the first to name a base font, its encoding and resource name (/F2) are at its end.
_OBJECT = re.compile(rb"\d+ 0 obj(.*?)endobj", re.S)
_FONT = re.compile(rb"/BaseFont /(\S+).*/Encoding /(\S+) /Name /(\w+)", re.S)
# A text operator: the font chosen (/F2 9 Tf), or a string drawn ((...) Tj).
_TEXT_OPERATOR = re.compile(rb"/(\w+) [\d.]+ Tf|\(((?:[^()\\]|\\.)*)\)\s*Tj")
_PYTHON_ENCODING = {b"WinAnsiEncoding": "cp1252", b"UniGB-UCS2-H": "utf-16-be"}


def drawn_strings(pdf: bytes) -> list[tuple[str, str]]:
    """The strings drawn on a PDF's pages with the base name of the font each is drawn in, read in its encoding."""
    fonts = {}
    for found in filter(None, map(_FONT.search, _OBJECT.findall(pdf))):
        base, encoding, name = found.groups()
        fonts[name] = (base.decode(), _PYTHON_ENCODING.get(encoding, "cp1252"))
    strings = []
    for content in page_streams(pdf):
        font, encoding = "", "cp1252"
        for name, string in _TEXT_OPERATOR.findall(content):
            if name:
                font, encoding = fonts.get(name, (name.decode(), "cp1252"))
            else:
                strings.append((font, _unescaped(string, encoding)))
    return strings


def pdf_text(pdf: bytes) -> str:
    """The text drawn on a PDF's pages: the strings of their text operators."""
    return " ".join(string for _font, string in drawn_strings(pdf))


def font_of_each_string(pdf: bytes) -> dict[str, str]:
    """The base name of the font each string on a PDF's pages is drawn in."""
    return {string: font for font, string in drawn_strings(pdf)}


def fonts_drawn_with(pdf: bytes) -> set[str]:
    """The fonts a PDF's pages draw text with, by their base names (Helvetica, STSong-Light)."""
    return {font for font, string in drawn_strings(pdf) if string.strip()}


def page_count(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page\n")


def has_code128(pdf: bytes, value: str) -> bool:
    """Whether the bars of a Code128 barcode of `value` are drawn: the widths of its bars, in their order and
    in proportion, among the rectangles the pages fill."""
    code = Code128(value)
    code.validate()
    code.encode()
    code.decompose()  # into letters: A-Z a bar, a-z a space, of 1-26 modules
    modules = [ord(c) - ord("A") + 1 for c in code.decomposed if c.isupper()]
    for content in page_streams(pdf):
        widths = [float(width) for width in re.findall(rb"\S+ \S+ " + PDF_NUMBER + rb" \S+ re\b", content)]
        for start in range(len(widths) - len(modules) + 1):
            unit = widths[start] / modules[0]
            # reportlab writes widths to 1/100 pt
            if all(abs(widths[start + i] - n * unit) < 0.02 for i, n in enumerate(modules)):
                return True
    return False
