"""Pure certificate rendering: data in, HTML / PDF bytes out.

This module deliberately knows nothing about the ORM: the caller builds a
:class:`CertificateData` and gets back a one-page A4 landscape PDF laid out in
the official Vietnamese style, either the Party style (Hướng dẫn 36-HD/VPTW)
or the State style (Nghị định 30/2020/NĐ-CP).

Every text is normalised to NFC and HTML-escaped. Only the Liberation Serif
fonts shipped in ``certificates/fonts`` are used, through ``@font-face`` rules,
so the PDF never embeds a system substitute.

Performance: the WeasyPrint ``FontConfiguration`` and the parsed stylesheet are
built once per thread (so once per process for the usual single-threaded
worker) and reused for every certificate. :func:`render_certificate_pdfs` lays
many certificates out as one document (one page each) and splits it into one
standalone PDF per certificate: WeasyPrint's per-document work (font subsetting
above all) is then paid once per batch instead of once per certificate.
"""

from __future__ import annotations

import atexit
import datetime
import html
import io
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno

__all__ = [
    "FONT_FAMILY",
    "CertificateData",
    "certificate_html",
    "formal_date_line",
    "render_certificate_pdf",
    "render_certificate_pdfs",
]

FONT_FAMILY = "Liberation Serif"
FONTS_DIR = Path(__file__).resolve().parent / "fonts"

THEMES = ("party", "state")
KINDS = ("prize", "participation", "judge")

# The word introducing the recipient, by kind of certificate.
LEAD_IN = {
    "prize": "Tặng",
    "participation": "Chứng nhận",
    "judge": "Chứng nhận",
}

PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"
STATE_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
STATE_MOTTO = "Độc lập - Tự do - Hạnh phúc"

# Density levels: 0 is the normal layout; higher levels shrink the body text
# so that very long contest names / entry titles still fit on one page.
MAX_DENSITY = 3


@dataclass(frozen=True)
class CertificateData:
    theme: str  # "party" or "state"
    kind: str  # "prize", "participation" or "judge"
    superior_body: str  # e.g. "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI" (may be "")
    issuing_body: str  # e.g. "ĐẢNG ỦY KHỐI CÁC CƠ QUAN THÀNH PHỐ"
    number: str  # already formatted, e.g. "Số 12-GCN/ĐUK" or "Số: 12/GCN-ĐUK"
    title: str  # e.g. "GIẤY CHỨNG NHẬN"
    recipient_name: str  # e.g. "Nguyễn Thị Hằng"
    recipient_unit: str  # e.g. "Đảng bộ cơ quan Sở Nội vụ" (may be "")
    achievement: str  # e.g. "Đã đạt Giải Nhất" / "Đã tham gia"
    contest_name: str  # e.g. 'Hội thi báo cáo viên giới thiệu mô hình "Dân vận khéo"'
    entry_title: str  # the initiative title (may be "")
    place: str  # e.g. "Hà Nội"
    issued_on: datetime.date
    signing_on_behalf: str  # e.g. "T/M BAN THƯỜNG VỤ" / "TM. BAN TỔ CHỨC"; may be ""
    signer_title: str  # e.g. "BÍ THƯ" or "PHÓ BÍ THƯ"
    signer_name: str  # e.g. "Nguyễn Văn Phong"
    verification_url: str  # printed as QR code and in small text
    verification_code: str  # short code printed beside the QR


# --------------------------------------------------------------------------- text


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def _upper(value: str) -> str:
    return unicodedata.normalize("NFC", value.upper())


def _normalised(data: CertificateData) -> CertificateData:
    changes = {
        f.name: _nfc(getattr(data, f.name))
        for f in fields(data)
        if isinstance(getattr(data, f.name), str)
    }
    return replace(data, **changes)


def formal_date_line(place: str, day: datetime.date) -> str:
    """The dated line of an official document.

    Days 1-9 and months 1-2 are written with a leading zero, as required by
    Nghị định 30/2020 and Hướng dẫn 36-HD/VPTW: "Hà Nội, ngày 05 tháng 02 năm
    2020", "ngày 15 tháng 3 năm 2021".
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{_nfc(place)}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _e(value: str) -> str:
    return html.escape(value, quote=True)


# --------------------------------------------------------------------------- QR


def _qr_data_uri(url: str) -> str:
    # Light modules are painted white and a 4-module quiet zone is kept, so
    # the code decodes whatever is printed around it.
    # A fixed mask pattern: segno otherwise tries all eight to score them, which costs
    # five times the rest of the encoding; any mask decodes equally well.
    qr = segno.make(url, error="m", mask=0)
    # One pixel per module, drawn without interpolation (CSS image-rendering): as sharp as
    # a vector drawing at any zoom, and far cheaper for WeasyPrint than an SVG path.
    return qr.png_data_uri(border=4, scale=1)


# --------------------------------------------------------------------------- CSS


def _font_faces() -> str:
    faces = []
    for file_name, weight, style in (
        ("LiberationSerif-Regular.ttf", "normal", "normal"),
        ("LiberationSerif-Bold.ttf", "bold", "normal"),
        ("LiberationSerif-Italic.ttf", "normal", "italic"),
        ("LiberationSerif-BoldItalic.ttf", "bold", "italic"),
    ):
        url = (FONTS_DIR / file_name).as_uri()
        faces.append(
            "@font-face {"
            f' font-family: "{FONT_FAMILY}";'
            f' src: url("{url}") format("truetype");'
            f" font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(faces)


# Page geometry (mm). A certificate fills exactly one page area: its footer is pinned to the
# bottom of a block as tall as the page area, so that one document can hold many certificates.
PAGE_HEIGHT_MM = 210  # A4 landscape
PAGE_MARGIN_MM = 7
PAGE_BORDER_MM = 2.6
PAGE_PADDING_MM = (9, 15)  # vertical, horizontal
# A hair under the page area so that rounding never pushes a full certificate onto a new page.
CERTIFICATE_HEIGHT_MM = (
    PAGE_HEIGHT_MM - 2 * (PAGE_MARGIN_MM + PAGE_BORDER_MM + PAGE_PADDING_MM[0]) - 0.05
)

_LAYOUT_CSS = """
@page {
  size: A4 landscape;
  margin: __MARGIN__mm;
  border: __BORDER__mm double #8b1a1a;
  padding: __PADDING__;
}
* {
  font-family: "__FAMILY__" !important;
  box-sizing: border-box;
}
html { color: #000; font-size: 13.5pt; line-height: 1.25; }
body { margin: 0; }
p { margin: 0; }
/* One certificate per page, however many the document holds. */
.certificate { position: relative; height: __HEIGHT__mm; break-before: page; }

/* ---- header ------------------------------------------------------- */
table.header { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.header td { vertical-align: top; text-align: center; padding: 0; }
table.header td.left { width: 44%; }
table.header td.right { width: 56%; }
.issuer { font-weight: bold; }
.star { margin: 0.5mm 0 0.5mm 0; font-size: 13pt; line-height: 1; }
.number { margin-top: 0.5mm; }
.rule-under {
  display: inline-block; border-bottom: 0.8pt solid #000; padding-bottom: 0.6mm;
}
.nation { font-weight: bold; }
.party-name { font-weight: bold; font-size: 14.5pt; }
.motto { font-weight: bold; font-size: 14pt; }
.date-line { font-style: italic; margin-top: 3.5mm; }
.state .issuer-rule {
  width: 30mm; margin: 1mm auto 0 auto; border-top: 0.8pt solid #000; height: 0;
}
.state .number { margin-top: 1.5mm; }

/* ---- body --------------------------------------------------------- */
.title {
  margin-top: 9mm; text-align: center; font-weight: bold; font-size: 34pt;
  line-height: 1.1; color: #b30000; letter-spacing: 0.5pt;
}
.content { text-align: center; padding: 0 8mm; }
.lead-in { margin-top: 4mm; font-size: 15pt; }
.recipient {
  margin-top: 1.5mm; font-weight: bold; font-size: 26pt; line-height: 1.15; color: #0b2a6b;
}
.unit { margin-top: 1.5mm; font-size: 15pt; }
.achievement { margin-top: 3mm; font-weight: bold; font-size: 17pt; }
.contest { margin-top: 1mm; font-size: 15pt; }
.entry { margin-top: 2mm; font-style: italic; font-size: 15pt; }

/* ---- footer ------------------------------------------------------- */
/* The footer is pinned to the bottom of the certificate (so of the page
   area). Body text that runs closer than 3 mm (FOOTER_GAP_PX) to it, or onto
   a second page, is detected by the renderer and laid out again, denser. */
.footer-pin { position: absolute; left: 0; right: 0; bottom: 0; }
table.footer { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.footer td { vertical-align: bottom; padding: 0; }
table.footer td.verify { width: 50%; text-align: left; }
table.footer td.sign { width: 50%; text-align: center; vertical-align: top; }
.qr-box { display: table; }
.qr-cell { display: table-cell; vertical-align: bottom; }
.qr { width: 30mm; height: 30mm; display: block; image-rendering: pixelated; }
.code-cell { display: table-cell; vertical-align: bottom; padding-left: 3mm; }
.code-label { font-size: 9.5pt; }
.code { font-weight: bold; font-size: 12pt; letter-spacing: 0.5pt; }
.lookup {
  margin-top: 1.2mm; font-size: 8.5pt; line-height: 1.2; overflow-wrap: anywhere;
  word-break: break-all; max-width: 120mm;
}
.on-behalf, .signer-title { font-weight: bold; font-size: 14pt; }
.signature-space { height: 24mm; }
.signer-name { font-weight: bold; font-size: 14pt; }

/* ---- density levels for very long texts --------------------------- */
.d1 .title { margin-top: 6mm; font-size: 30pt; }
.d1 .recipient { font-size: 22pt; }
.d1 .lead-in, .d1 .unit, .d1 .contest, .d1 .entry { font-size: 13.5pt; }
.d1 .achievement { font-size: 15pt; }
.d1 .signature-space { height: 22mm; }

.d2 .title { margin-top: 4mm; font-size: 26pt; }
.d2 .recipient { font-size: 19pt; }
.d2 .lead-in, .d2 .unit, .d2 .contest, .d2 .entry {
  font-size: 11.5pt; line-height: 1.15;
}
.d2 .achievement { font-size: 13pt; }
.d2 .signature-space { height: 20mm; }

.d3 .title { margin-top: 2mm; font-size: 22pt; }
.d3 .content { max-height: 80mm; overflow: hidden; }
.d3 .recipient { font-size: 16pt; }
.d3 .lead-in, .d3 .unit, .d3 .contest, .d3 .entry {
  font-size: 9.5pt; line-height: 1.1;
}
.d3 .achievement { font-size: 11pt; }
.d3 .signature-space { height: 18mm; }
"""
for _placeholder, _value in (
    ("__FAMILY__", FONT_FAMILY),
    ("__MARGIN__", f"{PAGE_MARGIN_MM:g}"),
    ("__BORDER__", f"{PAGE_BORDER_MM:g}"),
    ("__PADDING__", "{0:g}mm {1:g}mm {0:g}mm {1:g}mm".format(*PAGE_PADDING_MM)),
    ("__HEIGHT__", f"{CERTIFICATE_HEIGHT_MM:g}"),
):
    _LAYOUT_CSS = _LAYOUT_CSS.replace(_placeholder, _value)

STYLESHEET = _font_faces() + "\n" + _LAYOUT_CSS


# --------------------------------------------------------------------------- HTML


def _line(css_class: str, text: str) -> str:
    if not text:
        return ""
    return f'<p class="{css_class}">{_e(text)}</p>'


def _party_header(d: CertificateData) -> str:
    left = (
        _line("superior", _upper(d.superior_body))
        + _line("issuer", _upper(d.issuing_body))
        + '<p class="star">*</p>'
        + _line("number", d.number)
    )
    right = f'<p class="party-name"><span class="rule-under">{_e(PARTY_NAME)}</span></p>' + _line(
        "date-line", formal_date_line(d.place, d.issued_on)
    )
    return (
        '<table class="header party"><tr>'
        f'<td class="left">{left}</td><td class="right">{right}</td>'
        "</tr></table>"
    )


def _state_header(d: CertificateData) -> str:
    left = (
        _line("superior", _upper(d.superior_body))
        + _line("issuer", _upper(d.issuing_body))
        + '<div class="issuer-rule"></div>'
        + _line("number", d.number)
    )
    right = (
        _line("nation", STATE_NAME)
        + f'<p class="motto"><span class="rule-under">{_e(STATE_MOTTO)}</span></p>'
        + _line("date-line", formal_date_line(d.place, d.issued_on))
    )
    return (
        '<table class="header state"><tr>'
        f'<td class="left">{left}</td><td class="right">{right}</td>'
        "</tr></table>"
    )


def _quoted(title: str) -> str:
    if title[:1] in "\"“'‘«":
        return title
    return f"“{title}”"


def _density_for(d: CertificateData) -> int:
    """Initial density guess from the amount of body text (refined on render)."""
    size = len(d.contest_name) + len(d.entry_title) + len(d.recipient_unit)
    size += 2 * len(d.recipient_name)
    if size <= 650:
        return 0
    if size <= 1100:
        return 1
    if size <= 1800:
        return 2
    return 3


def _certificate_section(d: CertificateData, density: int, anchor: str = "c0") -> str:
    """One certificate: a block one page area tall, its id ``anchor`` marking its page."""
    header = _party_header(d) if d.theme == "party" else _state_header(d)
    lead_in = LEAD_IN.get(d.kind, "Chứng nhận")
    contest = f"tại {d.contest_name}" if d.contest_name else ""
    content = (
        _line("lead-in", lead_in)
        + _line("recipient", d.recipient_name)
        + _line("unit", d.recipient_unit)
        + _line("achievement", d.achievement)
        + _line("contest", contest)
        + (_line("entry", _quoted(d.entry_title)) if d.entry_title else "")
    )
    verify = (
        '<div class="qr-box">'
        f'<div class="qr-cell"><img class="qr" src="{_e(_qr_data_uri(d.verification_url))}"'
        ' alt="Mã QR xác thực"></div>'
        '<div class="code-cell"><p class="code-label">Mã xác thực</p>'
        f"{_line('code', d.verification_code)}</div>"
        "</div>" + _line("lookup", f"Tra cứu: {d.verification_url}")
    )
    sign = (
        _line("on-behalf", _upper(d.signing_on_behalf))
        + _line("signer-title", _upper(d.signer_title))
        + '<div class="signature-space"></div>'
        + _line("signer-name", d.signer_name)
    )
    footer = (
        '<table class="footer"><tr>'
        f'<td class="verify">{verify}</td><td class="sign">{sign}</td>'
        "</tr></table>"
    )
    return (
        f'<section id="{anchor}" class="certificate d{density}">'
        f"{header}"
        f"{_line('title', _upper(d.title))}"
        f'<div class="content">{content}</div>'
        f'<div class="footer-pin">{footer}</div>'
        "</section>"
    )


def _page_title(d: CertificateData) -> str:
    return f"{d.title} - {d.recipient_name}" if d.title else d.recipient_name


def _html_document(sections: list[str], title: str, *, inline_css: bool = True) -> str:
    style = f"<style>\n{STYLESHEET}\n</style>" if inline_css else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title>{style}</head>"
        f"<body>{''.join(sections)}</body></html>"
    )


def _validate(d: CertificateData) -> None:
    if d.theme not in THEMES:
        raise ValueError(f"unknown certificate theme {d.theme!r}")
    if d.kind not in KINDS:
        raise ValueError(f"unknown certificate kind {d.kind!r}")
    if not d.verification_url:
        raise ValueError("verification_url is required")


def certificate_html(data: CertificateData) -> str:
    """The certificate as a standalone HTML document with inline CSS.

    The body text size is picked from the text lengths; unlike
    :func:`render_certificate_pdf` it is not checked against an actual layout.
    """
    d = _normalised(data)
    _validate(d)
    return _html_document([_certificate_section(d, _density_for(d))], _page_title(d))


# --------------------------------------------------------------------------- PDF

_local = threading.local()


@atexit.register
def _release_weasy() -> None:
    # Drop the cached FontConfiguration while the interpreter is still whole:
    # its __del__ removes a temporary folder and fails noisily if it only runs
    # during interpreter teardown.
    _local.__dict__.pop("weasy", None)


def _weasy():
    """(FontConfiguration, CSS) built once per thread and reused.

    Pango/Fontconfig objects are not safe to share between threads, so each
    thread gets its own; a single-threaded worker builds them exactly once.
    """
    cached = getattr(_local, "weasy", None)
    if cached is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        css = CSS(
            string=STYLESHEET,
            base_url=FONTS_DIR.as_uri() + "/",
            font_config=font_config,
            url_fetcher=_url_fetcher,
        )
        cached = _local.weasy = (font_config, css)
    return cached


def _url_fetcher(url: str, *args, **kwargs):
    """Only data: URIs and the shipped font files may be loaded."""
    from weasyprint import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(unquote(parts.path)).resolve()
        if path.parent == FONTS_DIR and path.suffix == ".ttf":
            return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"refusing to fetch {url!r} while rendering a certificate")


def render_certificate_pdf(data: CertificateData) -> bytes:
    """Render one certificate to a one-page A4 landscape PDF (one WeasyPrint document)."""
    return render_certificate_pdfs([data])[0]


def render_certificate_pdfs(items: Sequence[CertificateData]) -> list[bytes]:
    """Render certificates to standalone one-page PDFs, in the order given.

    They are laid out as ONE WeasyPrint document, one page each, which is then split into
    one PDF per certificate: the layout engine, the drawing and the font subsetting run once
    for the lot instead of once per certificate. Each PDF carries its own page, its own QR
    code and the font subsets of the batch, and opens on its own.
    """
    certificates = [_normalised(data) for data in items]
    for d in certificates:
        _validate(d)
    if not certificates:
        return []
    densities = [_density_for(d) for d in certificates]
    pdfs: list[bytes] = [b""] * len(certificates)
    pending = list(range(len(certificates)))
    while pending:
        document, pages, fits = _layout([certificates[i] for i in pending], densities, pending)
        # A certificate whose text ran into its footer is laid out again, denser; the
        # densest layout clips the body text, so it always fits.
        retry = [i for i, fit in zip(pending, fits, strict=True) if not fit]
        retry = [i for i in retry if densities[i] < MAX_DENSITY]
        done = [(i, page) for i, page in zip(pending, pages, strict=True) if i not in retry]
        if done:
            split = _split_pdf(
                document.write_pdf(),
                [page for _i, page in done],
                [_page_title(certificates[i]) for i, _page in done],
            )
            for (i, _page), pdf in zip(done, split, strict=True):
                pdfs[i] = pdf
        for i in retry:
            densities[i] += 1
        pending = retry
    return pdfs


def _layout(certificates: list[CertificateData], densities: list[int], indexes: list[int]):
    """Lay the certificates out as one document.

    Returns the document, the page number of each certificate and whether it fits on that
    one page: its body text ends at least 3 mm above its footer and nothing of it runs
    onto a next page.
    """
    from weasyprint import HTML

    font_config, css = _weasy()
    sections = [
        _certificate_section(d, densities[index], f"c{position}")
        for position, (d, index) in enumerate(zip(certificates, indexes, strict=True))
    ]
    document = HTML(
        # The stylesheet is passed pre-parsed through ``stylesheets=`` rather than
        # inlined, so it is not parsed again for every document.
        string=_html_document(sections, _page_title(certificates[0]), inline_css=False),
        base_url=FONTS_DIR.as_uri() + "/",
        url_fetcher=_url_fetcher,
    ).render(font_config=font_config, stylesheets=[css])
    pages: list[int] = [-1] * len(certificates)
    fits = [False] * len(certificates)
    for page_number, page in enumerate(document.pages):
        # Each certificate starts a page: the page's body holds one certificate block
        # (or the continuation of one that did not fit).
        section = page._page_box.children[0].children[0].children[0]
        position = int(section.element.get("id")[1:])
        if pages[position] >= 0:
            fits[position] = False  # ran onto a second page
            continue
        pages[position] = page_number
        parts = {child.element.get("class"): child for child in section.children}
        content, footer = parts.get("content"), parts.get("footer-pin")
        fits[position] = (
            content is not None
            and footer is not None
            and content.position_y + content.margin_height() + FOOTER_GAP_PX
            <= footer.position_y + _LAYOUT_TOLERANCE_PX
        )
    return document, pages, fits


# The least space between the body text and the footer (px, 1/96 in), and the rounding
# slack when comparing layout positions.
FOOTER_GAP_PX = 3 * 96 / 25.4
_LAYOUT_TOLERANCE_PX = 0.5


# Operands of a content stream that name a resource: "/x3 Do", "/a1 gs", "/f2 12 Tf"...
_RESOURCE_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
_PRUNED_RESOURCES = ("/XObject", "/ExtGState", "/Pattern", "/Shading", "/Font")


def _split_pdf(pdf: bytes, page_numbers: list[int], titles: list[str]) -> list[bytes]:
    """One standalone PDF for each of the pages listed, titled ``titles``.

    WeasyPrint gives every page of a document the same resource dictionary, which names
    the images (QR codes) of every page: each page is written out with only the resources
    its content stream names, so a PDF holds its own QR code and the font subsets.

    The objects the pages share (the fonts, which are most of each file) are serialised
    once and copied as bytes into every PDF under their original object numbers; only the
    page, its content stream, its QR image and a new catalogue are written per PDF. (A
    pypdf ``PdfWriter`` per page clones and re-serialises the fonts every time, which
    costs more than laying the page out.)
    """
    import pypdf
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        IndirectObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    if len(reader.pages) == 1 and page_numbers == [0]:
        return [pdf]  # already standalone, with its title
    shared_resources = reader.pages[0]["/Resources"].get_object()
    language = reader.trailer["/Root"].get("/Lang")
    producer = (reader.metadata or {}).get("/Producer")
    # New objects are numbered after the document's own, which keep their numbers.
    pages_id = int(reader.trailer["/Size"])
    catalog_id, info_id = pages_id + 1, pages_id + 2
    serialised: dict[int, bytes] = {}

    def serialise(obj) -> bytes:
        buffer = io.BytesIO()
        obj.write_to_stream(buffer)
        return buffer.getvalue()

    closures: dict[int, frozenset[int]] = {}

    def reachable(roots) -> set[int]:
        """Numbers of the objects reachable from ``roots`` (memoised per object)."""
        found: set[int] = set()
        stack = list(roots)
        while stack:
            obj = stack.pop()
            if isinstance(obj, IndirectObject):
                if obj.idnum not in closures:
                    closures[obj.idnum] = frozenset({obj.idnum})  # in case of a cycle
                    closures[obj.idnum] |= reachable([obj.get_object()])
                found |= closures[obj.idnum]
            elif isinstance(obj, dict):
                stack.extend(obj.values())
            elif isinstance(obj, list):
                stack.extend(obj)
        return found

    outputs = []
    for page_number, title in zip(page_numbers, titles, strict=True):
        page = reader.pages[page_number]
        used = set(_RESOURCE_NAME.findall(page.get_contents().get_data()))
        resources = DictionaryObject()
        for key, value in shared_resources.items():
            if key in _PRUNED_RESOURCES:
                named = value.get_object().items()
                value = DictionaryObject({n: ref for n, ref in named if n[1:].encode() in used})
            resources[NameObject(key)] = value
        own_page = DictionaryObject(
            {key: value for key, value in page.items() if key not in ("/Parent", "/Resources")}
        )
        own_page[NameObject("/Resources")] = resources
        objects = {}
        for idnum in reachable(own_page.values()):
            if idnum not in serialised:
                serialised[idnum] = serialise(reader.get_object(idnum))
            objects[idnum] = serialised[idnum]
        own_page[NameObject("/Parent")] = IndirectObject(pages_id, 0, reader)
        objects[page.indirect_reference.idnum] = serialise(own_page)
        objects[pages_id] = serialise(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Pages"),
                    NameObject("/Kids"): ArrayObject([page.indirect_reference]),
                    NameObject("/Count"): NumberObject(1),
                }
            )
        )
        catalog = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): IndirectObject(pages_id, 0, reader),
            }
        )
        if language is not None:
            catalog[NameObject("/Lang")] = TextStringObject(language)
        objects[catalog_id] = serialise(catalog)
        info = DictionaryObject({NameObject("/Title"): TextStringObject(title)})
        if producer:
            info[NameObject("/Producer")] = TextStringObject(producer)
        objects[info_id] = serialise(info)
        outputs.append(_pdf_file(reader.pdf_header, objects, catalog_id, info_id))
    return outputs


def _pdf_file(version: str, objects: dict[int, bytes], root: int, info: int) -> bytes:
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
