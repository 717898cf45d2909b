"""Stamping: the per-certificate text of a batch drawn over one shared background.

A certificate is mostly the same for everybody in a batch: the national or Party header, the
issuing body, the title, the contest, the date, the signing block. Only a few fields differ (the
recipient, their unit, the achievement, the entry title, the number, the verification code and
QR code). Laying all of it out again for every certificate is what makes one WeasyPrint
document per certificate slow. Here WeasyPrint lays the shared page out once (the background),
and the fields that differ are drawn into fixed boxes (slots) with ReportLab, which writes plain
text operators with the shipped TrueType fonts, subset and with a ToUnicode map (so the text
of the PDF extracts as the NFC Vietnamese it was given). Each certificate then becomes a
standalone PDF whose page draws the background's content, then its own.

This module knows nothing of HTML, CSS or the ORM: slots come in as geometry and font
settings (certificates.render measures them from the laid-out template), values as text.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["Slot", "compose", "stamp_layer"]

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
# ReportLab's font registry is process-wide: these names are ours alone.
FONT_FILES = {
    "regular": ("HoiThiSerif", "LiberationSerif-Regular.ttf"),
    "bold": ("HoiThiSerif-Bold", "LiberationSerif-Bold.ttf"),
    "italic": ("HoiThiSerif-Italic", "LiberationSerif-Italic.ttf"),
    "bold-italic": ("HoiThiSerif-BoldItalic", "LiberationSerif-BoldItalic.ttf"),
}
# Liberation Serif's ascent, descent and line gap, in ems (its OS/2 metrics).
ASCENT, DESCENT, LINE_GAP = 0.891, 0.216, 0.042
# Text that does not fit its box at its own size is set smaller, down to this share of it.
SMALLEST_SCALE = 0.7
_SCALE_STEP = 0.05


@dataclass(frozen=True)
class Slot:
    """A box of the page that receives one field of each certificate.

    Geometry is in PDF points with the origin at the bottom left of the page. A "text" slot
    wraps its value into lines of ``line_height`` × size, aligned as ``align`` and centred
    vertically in the box; a "qr" slot draws the value as a QR code filling the box's square.
    """

    field: str
    x: float
    y: float
    width: float
    height: float
    kind: str = "text"  # "text" or "qr"
    font: str = "regular"  # a key of FONT_FILES
    size: float = 12.0
    color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    align: str = "center"  # "left", "center" or "right"
    line_height: float = 1.2
    uppercase: bool = False
    letter_spacing: float = 0.0  # pt added after every character, as CSS letter-spacing


@cache
def _font_name(style: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name, file_name = FONT_FILES[style]
    pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / file_name)))
    return name


def _width(text: str, font: str, size: float, letter_spacing: float = 0.0) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size) + letter_spacing * len(text)


def _wrapped(
    text: str, font: str, size: float, width: float, letter_spacing: float = 0.0
) -> list[str] | None:
    """``text`` broken into lines no wider than ``width`` at its spaces; None when a single
    word is wider than the box."""

    if _width(text, font, size, letter_spacing) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate, font, size, letter_spacing) <= width:
            line = candidate
            continue
        if not line or _width(word, font, size, letter_spacing) > width:
            return None
        lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def _fitted(slot: Slot, text: str) -> tuple[float, list[str]] | None:
    """The size and lines that fit ``text`` in the slot: its own size if it can, else the
    largest smaller one; None if even the smallest does not fit."""
    font = _font_name(slot.font)
    scale = 1.0
    while scale >= SMALLEST_SCALE - 1e-9:
        size = slot.size * scale
        lines = _wrapped(text, font, size, slot.width, slot.letter_spacing * scale)
        if lines is not None and len(lines) * size * slot.line_height <= slot.height + 0.01:
            return size, lines
        scale -= _SCALE_STEP
    return None


def _draw_text(canvas, slot: Slot, size: float, lines: list[str]) -> None:
    canvas.setFont(_font_name(slot.font), size)
    canvas.setFillColorRGB(*slot.color)
    leading = size * slot.line_height
    # Lines centred vertically in the box, each baseline placed as CSS places it: the font's
    # ascent plus descent centred in the line box, the baseline an ascent below their top.
    top = slot.y + (slot.height + len(lines) * leading) / 2
    spacing = slot.letter_spacing * size / slot.size
    font = _font_name(slot.font)
    for number, line in enumerate(lines):
        line_top = top - number * leading
        baseline = line_top - (leading - size * (ASCENT + DESCENT)) / 2 - size * ASCENT
        if not spacing:
            if slot.align == "left":
                canvas.drawString(slot.x, baseline, line)
            elif slot.align == "right":
                canvas.drawRightString(slot.x + slot.width, baseline, line)
            else:
                canvas.drawCentredString(slot.x + slot.width / 2, baseline, line)
            continue
        width = _width(line, font, size, spacing)
        x = {
            "left": slot.x,
            "right": slot.x + slot.width - width,
        }.get(slot.align, slot.x + (slot.width - width) / 2)
        text = canvas.beginText(x, baseline)
        text.setFont(font, size)
        text.setCharSpace(spacing)
        text.textOut(line)
        canvas.drawText(text)


def _qr_operators(slot: Slot, url: str) -> str:
    """The QR code of ``url`` as one filled path: a rectangle per run of dark modules, in
    module units scaled onto the slot's square with a four-module quiet zone (a vector
    drawing: sharp at any zoom)."""
    import numpy
    import zxingcpp

    # zxing-cpp encodes in C++, several times faster than a pure-Python encoder.
    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    dark = numpy.asarray(symbol.to_image(with_quiet_zones=False)) == 0
    size = dark.shape[0]
    modules = size + 8
    side = min(slot.width, slot.height)
    scale = side / modules
    x = slot.x + (slot.width - side) / 2
    y = slot.y + (slot.height - side) / 2
    # Where each run of dark modules starts and ends, row by row.
    padded = numpy.zeros((size, size + 2), dtype=numpy.int8)
    padded[:, 1:-1] = dark
    edges = numpy.diff(padded, axis=1)
    runs = []
    for row_number in range(size):
        starts = numpy.flatnonzero(edges[row_number] == 1)
        ends = numpy.flatnonzero(edges[row_number] == -1)
        y_module = modules - 5 - row_number  # four modules of quiet zone above, PDF y upwards
        runs.extend(
            f"{start + 4} {y_module} {end - start} 1 re"
            for start, end in zip(starts.tolist(), ends.tolist(), strict=True)
        )
    return f"q 0 g {scale:.5f} 0 0 {scale:.5f} {x:.3f} {y:.3f} cm {' '.join(runs)} f Q"


def stamp_layer(
    pages: Sequence[Mapping[str, str]],
    slots: Sequence[Slot],
    page_size: tuple[float, float],
) -> tuple[bytes, list[bool]]:
    """One PDF page per item of ``pages`` (field name → value), each value drawn in its slot.

    Returns the PDF and, per item, whether all its text fitted; an item that did not fit has
    a blank page here and must be laid out another way.
    """
    from reportlab import rl_config
    from reportlab.pdfgen.canvas import Canvas

    # Page streams are compressed; ASCII85 on top of that would only cost time and bytes.
    rl_config.useA85 = 0

    buffer = io.BytesIO()
    # The initial font is one of ours: ReportLab would otherwise name Helvetica on every page,
    # a font the PDF would not embed.
    canvas = Canvas(
        buffer,
        pagesize=page_size,
        pageCompression=1,
        invariant=1,
        initialFontName=_font_name("regular"),
    )
    fits = []
    for values in pages:
        drawn = []
        for slot in slots:
            value = values.get(slot.field, "")
            if not value:
                continue
            if slot.kind == "qr":
                drawn.append((slot, value, None))
                continue
            fitted = _fitted(slot, value.upper() if slot.uppercase else value)
            if fitted is None:
                drawn = None
                break
            drawn.append((slot, value, fitted))
        fits.append(drawn is not None)
        for slot, value, fitted in drawn or ():
            if fitted is None:
                canvas._code.append(_qr_operators(slot, value))
            else:
                _draw_text(canvas, slot, *fitted)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue(), fits


# --------------------------------------------------------------------------- composing


def compose(background: bytes, layer: bytes, titles: Sequence[str]) -> list[bytes]:
    """One standalone one-page PDF per page of ``layer``, drawn over the background's first
    page and titled ``titles[i]``.

    Nothing is parsed or rewritten per certificate beyond its own small content stream: the
    objects every certificate shares (the background's drawing, images and fonts, the
    layer's fonts) are serialised once, under numbers of their own, and copied as bytes into
    each file. The page draws the background's content streams inside q/Q (so that its
    transformations end with it), then its own.
    """
    from pypdf import PdfReader
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        IndirectObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    layer_pdf = PdfReader(io.BytesIO(layer))
    background_pdf = PdfReader(io.BytesIO(background))
    if len(layer_pdf.pages) != len(titles):
        raise ValueError("one title per page of the layer is needed")
    # The layer's objects keep their numbers; the background's are moved past them; the
    # objects written here come after both.
    offset = int(layer_pdf.trailer["/Size"])
    first_free = offset + int(background_pdf.trailer["/Size"])
    pages_id, catalog_id, info_id, push_id, pop_id = range(first_free, first_free + 5)
    shared: dict[int, bytes] = {
        push_id: _stream(b"q\n"),
        pop_id: _stream(b"\nQ\n"),
    }

    def moved(obj):
        """A copy of a background object that refers to the background's objects under their
        new numbers, and collects those objects into ``shared``."""
        if isinstance(obj, IndirectObject):
            new_id = obj.idnum + offset
            if new_id not in shared:
                shared[new_id] = b""  # a cycle comes back here before it is written
                shared[new_id] = _serialised(moved(obj.get_object()))
            return IndirectObject(new_id, 0, layer_pdf)
        if isinstance(obj, dict):
            copy = obj.__class__()
            if hasattr(obj, "_data"):  # a stream: its bytes as they are, still encoded
                copy._data = obj._data
            for key, value in obj.items():
                copy[NameObject(key)] = moved(value)
            return copy
        if isinstance(obj, list):
            return ArrayObject(moved(item) for item in obj)
        return obj

    def kept(obj) -> None:
        """Collect a layer object and everything it refers to into ``shared``."""
        if isinstance(obj, IndirectObject):
            if obj.idnum not in shared:
                shared[obj.idnum] = b""
                target = obj.get_object()
                shared[obj.idnum] = _serialised(target)
                kept(target)
        elif isinstance(obj, dict):
            for value in obj.values():
                kept(value)
        elif isinstance(obj, list):
            for item in obj:
                kept(item)

    background_page = background_pdf.pages[0]
    background_streams = moved(_content_refs(background_page))
    # The page's resources as direct dictionaries, so that the layer's fonts can join them.
    resources = DictionaryObject(
        {
            NameObject(key): moved(value.get_object())
            for key, value in background_page.get("/Resources", {}).get_object().items()
            if key != "/ProcSet"
        }
    )
    layer_fonts = layer_pdf.pages[0]["/Resources"].get_object().get("/Font")
    fonts = DictionaryObject(resources.get("/Font", DictionaryObject()))
    if layer_fonts is not None:
        kept(layer_fonts)
        for name, font in layer_fonts.get_object().items():
            if name in fonts:
                raise ValueError(f"the background and the layer both name a font {name}")
            fonts[NameObject(name)] = font
    resources[NameObject("/Font")] = fonts
    media_box = ArrayObject(FloatObject(v) for v in background_page.mediabox)
    language = background_pdf.trailer["/Root"].get("/Lang")
    producer = (background_pdf.metadata or {}).get("/Producer")
    version = max(background_pdf.pdf_header, layer_pdf.pdf_header)

    pages_object = _serialised(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): ArrayObject([IndirectObject(first_free + 5, 0, layer_pdf)]),
                NameObject("/Count"): NumberObject(1),
            }
        )
    )
    catalog = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): IndirectObject(pages_id, 0, layer_pdf),
        }
    )
    if language is not None:
        catalog[NameObject("/Lang")] = TextStringObject(language)
    catalog_object = _serialised(catalog)
    page_id = first_free + 5
    outputs = []
    for page, title in zip(layer_pdf.pages, titles, strict=True):
        own_refs = _content_refs(page)
        objects = dict(shared)
        for ref in own_refs:
            objects[ref.idnum] = _serialised(ref.get_object())
        page_object = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Page"),
                NameObject("/Parent"): IndirectObject(pages_id, 0, layer_pdf),
                NameObject("/MediaBox"): media_box,
                NameObject("/Resources"): resources,
                NameObject("/Contents"): ArrayObject(
                    [
                        IndirectObject(push_id, 0, layer_pdf),
                        *background_streams,
                        IndirectObject(pop_id, 0, layer_pdf),
                        *own_refs,
                    ]
                ),
            }
        )
        objects[page_id] = _serialised(page_object)
        objects[pages_id] = pages_object
        objects[catalog_id] = catalog_object
        info = DictionaryObject({NameObject("/Title"): TextStringObject(title)})
        if producer:
            info[NameObject("/Producer")] = TextStringObject(producer)
        objects[info_id] = _serialised(info)
        outputs.append(pdf_file(version, objects, catalog_id, info_id))
    return outputs


def _content_refs(page) -> list:
    """The references to a page's content streams (one, an array of them, or none)."""
    from pypdf.generic import ArrayObject, IndirectObject

    contents = page.raw_get("/Contents") if "/Contents" in page else None
    if contents is None:
        return ArrayObject()
    if isinstance(contents, IndirectObject) and isinstance(contents.get_object(), list):
        contents = contents.get_object()
    return ArrayObject(contents) if isinstance(contents, list) else ArrayObject([contents])


def _serialised(obj) -> bytes:
    buffer = io.BytesIO()
    obj.write_to_stream(buffer)
    return buffer.getvalue()


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


def pdf_file(version: str, objects: dict[int, bytes], root: int, info: int) -> bytes:
    """A PDF file of serialised objects, keeping their (possibly sparse) numbers."""
    out = bytearray(version.encode("ascii") + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for idnum in sorted(objects):
        offsets[idnum] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (idnum, objects[idnum])
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    numbers = sorted(offsets)
    start = 0
    while start < len(numbers):  # one subsection per run of consecutive numbers
        end = start
        while end + 1 < len(numbers) and numbers[end + 1] == numbers[end] + 1:
            end += 1
        out += b"%d %d\n" % (numbers[start], end - start + 1)
        for idnum in numbers[start : end + 1]:
            out += b"%010d 00000 n \n" % offsets[idnum]
        start = end + 1
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        max(numbers) + 1,
        root,
        info,
        xref_at,
    )
    return bytes(out)
