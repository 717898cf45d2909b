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
worker) and reused for every certificate.
"""

from __future__ import annotations

import atexit
import datetime
import html
import threading
import unicodedata
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
    qr = segno.make(url, error="m")
    return qr.svg_data_uri(border=4, dark="#000", light="#fff", omitsize=True)


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


_LAYOUT_CSS = """
@page {
  size: A4 landscape;
  margin: 7mm;
  border: 2.6mm double #8b1a1a;
  padding: 9mm 15mm 9mm 15mm;
}
* {
  font-family: "__FAMILY__" !important;
  box-sizing: border-box;
}
html { color: #000; font-size: 13.5pt; line-height: 1.25; }
body { margin: 0; }
p { margin: 0; }

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
/* The footer is drawn once, pinned to the bottom of the page area, and a
   hidden copy is kept in the flow: it reserves exactly the footer's height,
   so body text that would run under the footer pushes onto a second page
   instead, which render_certificate_pdf() detects and fixes. */
.footer-fixed { position: fixed; left: 0; right: 0; bottom: 0; }
.footer-spacer { visibility: hidden; padding-top: 3mm; }
table.footer { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.footer td { vertical-align: bottom; padding: 0; }
table.footer td.verify { width: 50%; text-align: left; }
table.footer td.sign { width: 50%; text-align: center; vertical-align: top; }
.qr-box { display: table; }
.qr-cell { display: table-cell; vertical-align: bottom; }
.qr { width: 30mm; height: 30mm; display: block; }
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
body.d1 .title { margin-top: 6mm; font-size: 30pt; }
body.d1 .recipient { font-size: 22pt; }
body.d1 .lead-in, body.d1 .unit, body.d1 .contest, body.d1 .entry { font-size: 13.5pt; }
body.d1 .achievement { font-size: 15pt; }
body.d1 .signature-space { height: 22mm; }

body.d2 .title { margin-top: 4mm; font-size: 26pt; }
body.d2 .recipient { font-size: 19pt; }
body.d2 .lead-in, body.d2 .unit, body.d2 .contest, body.d2 .entry {
  font-size: 11.5pt; line-height: 1.15;
}
body.d2 .achievement { font-size: 13pt; }
body.d2 .signature-space { height: 20mm; }

body.d3 .title { margin-top: 2mm; font-size: 22pt; }
body.d3 .content { max-height: 80mm; overflow: hidden; }
body.d3 .recipient { font-size: 16pt; }
body.d3 .lead-in, body.d3 .unit, body.d3 .contest, body.d3 .entry {
  font-size: 9.5pt; line-height: 1.1;
}
body.d3 .achievement { font-size: 11pt; }
body.d3 .signature-space { height: 18mm; }
""".replace("__FAMILY__", FONT_FAMILY)

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


def _html_document(d: CertificateData, density: int, *, inline_css: bool = True) -> str:
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
    page_title = f"{d.title} - {d.recipient_name}" if d.title else d.recipient_name
    style = f"<style>\n{STYLESHEET}\n</style>" if inline_css else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{_e(page_title)}</title>{style}</head>"
        f'<body class="d{density}">'
        f"{header}"
        f"{_line('title', _upper(d.title))}"
        f'<div class="content">{content}</div>'
        f'<div class="footer-spacer" aria-hidden="true">{footer}</div>'
        f'<div class="footer-fixed">{footer}</div>'
        "</body></html>"
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
    return _html_document(d, _density_for(d))


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
    """Render one certificate to a one-page A4 landscape PDF."""
    from weasyprint import HTML

    d = _normalised(data)
    _validate(d)
    font_config, css = _weasy()
    density = _density_for(d)
    while True:
        document = HTML(
            # The stylesheet is passed pre-parsed through ``stylesheets=``
            # rather than inlined, so it is not parsed again for every PDF.
            string=_html_document(d, density, inline_css=False),
            base_url=FONTS_DIR.as_uri() + "/",
            url_fetcher=_url_fetcher,
        ).render(font_config=font_config, stylesheets=[css])
        if len(document.pages) == 1 or density >= MAX_DENSITY:
            break
        density += 1
    if len(document.pages) > 1:
        # Last resort (the densest layout clips the body): keep one page.
        document = document.copy(document.pages[:1])
    return document.write_pdf()
