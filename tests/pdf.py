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


def _unescaped(string: bytes) -> str:
    """A PDF string's text, its escapes undone (\\267 is ·), in the standard fonts' encoding (WinAnsi)."""
    return re.sub(rb"\\([0-7]{1,3}|.)", _unescape, string).decode("cp1252", errors="replace")


def pdf_text(pdf: bytes) -> str:
    """The text drawn on a PDF's pages: the strings of their text operators."""
    text = []
    for content in page_streams(pdf):
        text += [_unescaped(part) for part in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", content)]
    return " ".join(text)


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
