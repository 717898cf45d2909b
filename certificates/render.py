"""Pure certificate rendering: data in, HTML / PDF bytes out.

This module deliberately knows nothing about the ORM: the caller builds a
:class:`CertificateData` and gets back a one-page A4 landscape PDF laid out in
the official Vietnamese style, either the Party style (Hướng dẫn 36-HD/VPTW)
or the State style (Nghị định 30/2020/NĐ-CP).

Layouts. A certificate is laid out by a *layout*: an HTML file whose ``<body>``
is the certificate, with ``{{ field_name }}`` placeholders, and CSS added after
the shared stylesheet. The built-in layouts of the two themes are the files in
``certificates/layouts/`` (``party.html``, ``state.html``, sharing ``base.css``);
an organiser may write their own (:class:`Layout`). Every layout declares the
fields it prints in its head::

    <meta name="hoithi-fields" content="recipient_name achievement qr_code ...">

and :func:`check_layout` refuses, with every problem listed, a layout that uses
a placeholder it does not declare, declares a field HoiThi does not know or a
field it never prints, leaves out a required field (:data:`REQUIRED_FIELDS`,
and the QR code or the verification address), writes a malformed placeholder,
puts one anywhere but in the text of the body (never in a tag, an attribute,
the head or the CSS), or refers to anything the renderer would not load (only
``data:image/...`` URIs; no ``@import``, ``@font-face``, scripts, frames or
linked stylesheets, and no other font than the shipped one). A layout is
checked again before it is rendered: a bad layout never produces a PDF.

Every value is normalised to NFC and HTML-escaped before it is put in: data
never brings markup of its own. The three image fields (:data:`IMAGE_FIELDS`)
stand for a whole ``<img>`` element, or for nothing when there is no image.
Only the Liberation Serif fonts shipped in ``certificates/fonts`` are used,
through ``@font-face`` rules, so the PDF never embeds a system substitute.

Performance: the WeasyPrint ``FontConfiguration`` and the parsed stylesheets are
built once per thread (so once per process for the usual single-threaded
worker) and reused for every certificate. :func:`render_certificate_pdfs` lays
out what a group of certificates shares once (the background) and stamps each
certificate's own fields over it (:mod:`certificates.stamp`): some 4 ms per
certificate against 60-70 ms for a WeasyPrint layout of each. What cannot be
stamped is laid out in full, many certificates as one document split into one
standalone PDF each.
"""

from __future__ import annotations

import atexit
import base64
import datetime
import functools
import html
import io
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import segno
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from certificates import stamp
from config.documents import formal_date_line
from config.pdf import FONT_FAMILY, font_faces, url_fetcher

__all__ = [
    "FIELDS",
    "FONT_FAMILY",
    "IMAGE_FIELDS",
    "REQUIRED_FIELDS",
    "CertificateData",
    "Layout",
    "LayoutError",
    "LayoutProblem",
    "builtin_layout_html",
    "certificate_html",
    "check_layout",
    "formal_date_line",
    "image_data_uri",
    "rasterise",
    "render_certificate_pdf",
    "render_certificate_pdfs",
]

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
LAYOUTS_DIR = Path(__file__).resolve().parent / "layouts"

THEMES = ("party", "state")
KINDS = ("prize", "participation", "judge")

# The word introducing the recipient, by kind of certificate.
LEAD_IN = {
    "prize": "Tặng",
    "participation": "Chứng nhận",
    "judge": "Chứng nhận",
}

# Density levels: 0 is the normal layout; higher levels shrink the body text
# so that very long contest names / entry titles still fit on one page.
MAX_DENSITY = 3


@dataclass(frozen=True)
class Layout:
    """An organiser's own layout: HTML with declared ``{{ field }}`` placeholders, and CSS
    added after the shared stylesheet. Blank HTML: the built-in layout of the theme (then
    the CSS alone restyles it)."""

    html: str = ""
    css: str = ""


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
    decision_reference: str = ""  # e.g. "12-QĐ/ĐUK", the decision conferring the prizes
    lead_in: str = ""  # "" for the usual word of the kind (LEAD_IN)
    signature_image: str = ""  # a data:image/... URI (image_data_uri), or ""
    seal_image: str = ""  # a data:image/... URI (image_data_uri), or ""
    layout: Layout | None = None  # None: the built-in layout of the theme


# --------------------------------------------------------------------------- fields

# Every field a layout may print, with what it stands for (translated where shown). Fields
# marked "in capitals" are upper-cased as official documents print them.
FIELDS: dict[str, str] = {
    "superior_body": gettext_noop("the body above the issuer, in capitals (may be empty)"),
    "issuing_body": gettext_noop("the issuing body, in capitals"),
    "number": gettext_noop("the document number, e.g. “Số 12-GCN/ĐUK” or “Số: 12/GCN-SNV”"),
    "decision_reference": gettext_noop(
        "“Theo Quyết định số …” when a decision is given, else empty"
    ),
    "date_line": gettext_noop(
        "place and date in the formal style, e.g. “Hà Nội, ngày 05 tháng 10 năm 2019”"
    ),
    "title": gettext_noop("the certificate's title, in capitals, e.g. “GIẤY CHỨNG NHẬN”"),
    "lead_in": gettext_noop("the word introducing the recipient, e.g. “Chứng nhận”"),
    "recipient_name": gettext_noop("the recipient's full name"),
    "recipient_unit": gettext_noop("the recipient's unit (may be empty)"),
    "achievement": gettext_noop("what is certified, e.g. “Đã đạt Giải Nhất”, “Đã tham gia”"),
    "contest_name": gettext_noop("the contest's name"),
    "entry_title": gettext_noop("the initiative's title in quotation marks (may be empty)"),
    "signing_on_behalf": gettext_noop("e.g. “T/M BAN THƯỜNG VỤ”, “TM. BAN TỔ CHỨC”, in capitals"),
    "signer_title": gettext_noop("e.g. “BÍ THƯ”, “PHÓ GIÁM ĐỐC”, in capitals"),
    "signer_name": gettext_noop("the signer's full name"),
    "signature_image": gettext_noop(
        'the signature as an <img class="signature"> (nothing if none)'
    ),
    "seal_image": gettext_noop('the seal as an <img class="seal"> (nothing if none)'),
    "qr_code": gettext_noop('the verification QR code as an <img class="qr">'),
    "verification_url": gettext_noop("the verification address"),
    "verification_code": gettext_noop("the verification code"),
}
IMAGE_FIELDS = frozenset({"qr_code", "signature_image", "seal_image"})
# Fields every layout prints; it also prints qr_code or verification_url (or both).
REQUIRED_FIELDS = ("recipient_name", "achievement")
VERIFICATION_FIELDS = ("qr_code", "verification_url")
FIELDS_META = "hoithi-fields"


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


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _quoted(title: str) -> str:
    if not title or title[:1] in "\"“'‘«":
        return title
    return f"“{title}”"


def _decision_line(reference: str) -> str:
    if not reference:
        return ""
    if reference.lower().startswith("quyết định"):
        return f"Theo {reference}"
    return f"Theo Quyết định số {reference}"


# --------------------------------------------------------------------------- images


def _qr_data_uri(url: str) -> str:
    # Light modules are painted white and a 4-module quiet zone is kept, so
    # the code decodes whatever is printed around it.
    # A fixed mask pattern: segno otherwise tries all eight to score them, which costs
    # five times the rest of the encoding; any mask decodes equally well.
    qr = segno.make(url, error="m", mask=0)
    # One pixel per module, drawn without interpolation (CSS image-rendering): as sharp as
    # a vector drawing at any zoom, and far cheaper for WeasyPrint than an SVG path.
    return qr.png_data_uri(border=4, scale=1)


# Signature and seal images are scaled down to this many pixels on their longer side
# (about 500 dpi at the printed size): a phone photo would otherwise weigh on every PDF.
IMAGE_MAX_PIXELS = 700


def image_data_uri(content: bytes) -> str:
    """An uploaded signature or seal image as a PNG ``data:`` URI, the only way an image
    reaches the renderer. Raises ``ValueError`` if ``content`` is not an image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            image.thumbnail((IMAGE_MAX_PIXELS, IMAGE_MAX_PIXELS))
            buffer = io.BytesIO()
            image.save(buffer, "PNG", optimize=True)
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError("not an image") from error
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _img(css_class: str, uri: str, alt: str) -> str:
    if not uri:
        return ""
    return f'<img class="{css_class}" src="{_e(uri)}" alt="{_e(alt)}">'


def rasterise(pdf: bytes, dpi: float = 96) -> bytes:
    """Page 1 of ``pdf`` as a PNG image at ``dpi`` (the organiser's preview)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# --------------------------------------------------------------------------- layout check


class LayoutProblem(NamedTuple):
    part: str  # "html" or "css": where the problem is
    message: str


class LayoutError(ValueError):
    """A layout that cannot be rendered, with every problem found."""

    def __init__(self, problems: Sequence[LayoutProblem]):
        self.problems = list(problems)
        super().__init__("; ".join(problem.message for problem in self.problems))


_PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
_BRACES = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TEMPLATE_TAG = re.compile(r"\{%|%\}|\{#|#\}")
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
# Elements that would run code, load a file, or restyle the page behind the layout's back.
_REFUSED_TAGS = {
    "script": gettext_noop("scripts do not run in a certificate"),
    "style": gettext_noop("put the CSS in the layout's CSS"),
    "link": gettext_noop("nothing may be loaded from outside the layout"),
    "base": gettext_noop("nothing may be loaded from outside the layout"),
    "iframe": gettext_noop("nothing may be loaded from outside the layout"),
    "frame": gettext_noop("nothing may be loaded from outside the layout"),
    "object": gettext_noop("nothing may be loaded from outside the layout"),
    "embed": gettext_noop("nothing may be loaded from outside the layout"),
    "template": gettext_noop("use {{ field_name }} placeholders"),
}
# Attributes naming a resource the renderer would load.
_RESOURCE_ATTRIBUTES = {"src", "srcset", "data", "poster", "background", "xlink:href", "href"}
_DATA_IMAGE = re.compile(r"^\s*data:image/", re.IGNORECASE)
_GENERIC_FAMILIES = {"serif"}


def _known_fields() -> str:
    return ", ".join(FIELDS)


class _LayoutParser(HTMLParser):
    """Collects the declared fields, the body's class and the problems found in tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.declared: list[str] | None = None
        self.body_class = ""
        self.problems: list[LayoutProblem] = []
        self.in_text: Counter[str] = Counter()  # placeholders standing in text content

    def handle_data(self, data: str) -> None:
        if re.match(r"<[a-zA-Z!/?]", data):
            # The parser gives back a tag it could not read (an unclosed quote or bracket)
            # as text: whatever placeholders it holds are inside that tag.
            self.problem(
                _("A tag is never closed (a quote or a “>” is missing): %(tag)s")
                % {"tag": data[:60]}
            )
            return
        self.in_text.update(_PLACEHOLDER.findall(data))

    def problem(self, message: str) -> None:
        self.problems.append(LayoutProblem("html", message))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        if "{{" in raw or "}}" in raw:
            self.problem(
                _(
                    "A placeholder may stand only in text, not inside a tag or its "
                    "attributes: %(tag)s"
                )
                % {"tag": raw[:80]}
            )
        if tag in _REFUSED_TAGS:
            self.problem(
                _("<%(tag)s> is not allowed in a layout: %(reason)s.")
                % {"tag": tag, "reason": _(_REFUSED_TAGS[tag])}
            )
        values = {name: value or "" for name, value in attrs}
        if tag == "meta" and values.get("name", "").strip().lower() == FIELDS_META:
            self.declared = (self.declared or []) + values.get("content", "").replace(
                ",", " "
            ).split()
        if tag == "meta" and "http-equiv" in values:
            self.problem(_("<meta http-equiv> is not allowed in a layout."))
        if tag == "body":
            self.body_class = values.get("class", "").strip()
        for name, value in values.items():
            if name.startswith("on"):
                self.problem(
                    _("The %(attribute)s attribute is not allowed: scripts do not run.")
                    % {"attribute": name}
                )
            elif name in _RESOURCE_ATTRIBUTES and not (tag == "a" and name == "href"):
                if name == "srcset" or not _DATA_IMAGE.match(value):
                    self.problem(_refused_resource(value))
            elif name == "style":
                self.problems.extend(
                    LayoutProblem("html", message) for message in _declaration_problems(value)
                )


def _refused_resource(url: str) -> str:
    shown = url.strip()
    shown = shown if len(shown) <= 60 else shown[:57] + "…"
    return _(
        "“%(url)s” would not be loaded: a layout may only use images embedded as data:image/… URIs."
    ) % {"url": shown}


def _placeholder_syntax_problems(text: str, part: str) -> list[LayoutProblem]:
    problems = []
    for match in _BRACES.finditer(text):
        if not _PLACEHOLDER.fullmatch(match.group(0)):
            problems.append(
                LayoutProblem(
                    part,
                    _(
                        "Malformed placeholder “%(text)s”: write {{ field_name }}, a field "
                        "name in lower case and nothing else."
                    )
                    % {"text": match.group(0)[:60]},
                )
            )
    rest = _BRACES.sub("", text)
    if "{{" in rest or "}}" in rest:
        problems.append(
            LayoutProblem(
                part, _("Unbalanced braces: a placeholder opened with {{ closes with }}.")
            )
        )
    if _TEMPLATE_TAG.search(text):
        problems.append(
            LayoutProblem(
                part,
                _(
                    "Template tags and comments ({%% … %%}, {# … #}) are not supported: use "
                    "{{ field_name }} placeholders only."
                ),
            )
        )
    return problems


def _split_body(text: str) -> tuple[str, str, str] | None:
    """(before the body's content, the body's content, after it), or None without a body."""
    start = _BODY_START.search(text)
    if start is None:
        return None
    ends = list(_BODY_END.finditer(text, start.end()))
    end = ends[-1].start() if ends else len(text)
    return text[: start.end()], text[start.end() : end], text[end:]


def _html_problems(text: str) -> list[LayoutProblem]:
    problems = _placeholder_syntax_problems(text, "html")
    parser = _LayoutParser()
    parser.feed(text)
    parser.close()
    problems += parser.problems
    outside_text = Counter(_PLACEHOLDER.findall(text)) - parser.in_text
    if outside_text and not parser.problems:
        # In a tag the parser could not read (an unclosed quote), or in a comment.
        problems.append(
            LayoutProblem(
                "html",
                _(
                    "A placeholder may stand only in text, not inside a tag, an attribute or "
                    "a comment: %(fields)s"
                )
                % {"fields": ", ".join(f"{{{{ {name} }}}}" for name in outside_text)},
            )
        )
    parts = _split_body(text)
    if parts is None:
        problems.append(
            LayoutProblem("html", _("The layout needs a <body> holding the certificate."))
        )
    elif _PLACEHOLDER.search(parts[0]) or _PLACEHOLDER.search(parts[2]):
        problems.append(
            LayoutProblem(
                "html", _("Placeholders may stand only in the <body>, not in the <head>.")
            )
        )
    if parser.declared is None:
        problems.append(
            LayoutProblem(
                "html",
                _(
                    'The layout does not declare its fields: add <meta name="hoithi-fields" '
                    'content="recipient_name achievement qr_code …"> to its <head>.'
                ),
            )
        )
    if parts is None or parser.declared is None:
        return problems
    body = parts[1]
    declared = list(dict.fromkeys(parser.declared))
    used = list(dict.fromkeys(_PLACEHOLDER.findall(body)))
    for name in declared:
        if name not in FIELDS:
            problems.append(
                LayoutProblem(
                    "html",
                    _("“%(field)s” is declared but is not a HoiThi field. Known fields: %(known)s.")
                    % {"field": name, "known": _known_fields()},
                )
            )
    for name in used:
        if name not in FIELDS:
            if name not in declared:
                problems.append(
                    LayoutProblem(
                        "html",
                        _("{{ %(field)s }} is not a HoiThi field. Known fields: %(known)s.")
                        % {"field": name, "known": _known_fields()},
                    )
                )
        elif name not in declared:
            problems.append(
                LayoutProblem(
                    "html",
                    _("{{ %(field)s }} is used but not declared in the hoithi-fields list.")
                    % {"field": name},
                )
            )
    for name in declared:
        if name in FIELDS and name not in used:
            problems.append(
                LayoutProblem(
                    "html",
                    _("“%(field)s” is declared but the layout never prints it.") % {"field": name},
                )
            )
    for name in REQUIRED_FIELDS:
        if name not in used:
            problems.append(
                LayoutProblem(
                    "html",
                    _("The layout must print {{ %(field)s }}.") % {"field": name},
                )
            )
    if not any(name in used for name in VERIFICATION_FIELDS):
        problems.append(
            LayoutProblem(
                "html",
                _(
                    "The layout must print the verification QR code {{ qr_code }} or address "
                    "{{ verification_url }}."
                ),
            )
        )
    return problems


def _font_family_names(tokens) -> list[str]:
    """The family names of a font-family value: idents run together, strings as they are."""
    import tinycss2

    names, current = [], []
    for token in tokens:
        if token.type == "literal" and token.value == ",":
            names.append(" ".join(current))
            current = []
        elif token.type == "ident":
            if token.lower_value != "important":
                current.append(token.value)
        elif token.type == "string":
            current.append(token.value)
        elif token.type not in ("whitespace", "comment") and not (
            token.type == "literal" and token.value == "!"
        ):
            current.append(tinycss2.serialize([token]))
    names.append(" ".join(current))
    return [name.strip() for name in names if name.strip()]


def _declaration_problems(text: str, declarations=None) -> list[str]:
    """Problems of a declaration list (a rule's content or a style attribute)."""
    import tinycss2

    if declarations is None:
        declarations = tinycss2.parse_blocks_contents(text, skip_comments=True)
    problems = []
    for item in declarations:
        if item.type == "declaration":
            problems += _token_problems(item.value)
            if item.lower_name == "font":
                problems.append(
                    _(
                        "The “font” shorthand is not allowed: set font-size, font-weight and "
                        "font-style instead."
                    )
                )
            elif item.lower_name == "font-family":
                for name in _font_family_names(item.value):
                    if name != FONT_FAMILY and name.lower() not in _GENERIC_FAMILIES:
                        problems.append(
                            _("Only the shipped font “%(family)s” may be used, not “%(name)s”.")
                            % {"family": FONT_FAMILY, "name": name}
                        )
        elif item.type == "qualified-rule":
            problems += _token_problems(item.prelude)
            problems += _declaration_problems("", tinycss2.parse_blocks_contents(item.content))
        elif item.type == "at-rule":
            problems += _at_rule_problems(item)
        elif item.type == "error":
            problems.append(_("CSS syntax error: %(message)s.") % {"message": item.message})
    return problems


def _at_rule_problems(rule) -> list[str]:
    import tinycss2

    if rule.lower_at_keyword in ("import", "font-face", "namespace"):
        return [
            _(
                "@%(rule)s is not allowed in a layout's CSS: only the shipped font is used and "
                "nothing is loaded."
            )
            % {"rule": rule.lower_at_keyword}
        ]
    problems = _token_problems(rule.prelude)
    if rule.content is not None:
        problems += _declaration_problems("", tinycss2.parse_blocks_contents(rule.content))
    return problems


def _token_problems(tokens) -> list[str]:
    problems = []
    for token in tokens or ():
        if token.type == "url":
            if not _DATA_IMAGE.match(token.value):
                problems.append(_refused_resource(token.value))
        elif token.type == "function":
            if token.lower_name in ("url", "src"):
                target = "".join(
                    getattr(argument, "value", "")
                    for argument in token.arguments
                    if argument.type == "string"
                )
                if not _DATA_IMAGE.match(target):
                    problems.append(_refused_resource(target or token.lower_name + "(…)"))
            problems += _token_problems(token.arguments)
        elif token.type in ("() block", "[] block", "{} block"):
            problems += _token_problems(token.content)
    return problems


def _css_problems(css: str) -> list[LayoutProblem]:
    import tinycss2

    problems = []
    if "{{" in css or "}}" in css or _TEMPLATE_TAG.search(css):
        problems.append(
            LayoutProblem(
                "css",
                _("Placeholders are not allowed in the CSS: put {{ field_name }} in the HTML."),
            )
        )
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    problems += [LayoutProblem("css", message) for message in _declaration_problems("", rules)]
    return problems


def check_layout(html_text: str, css: str = "") -> list[LayoutProblem]:
    """Every problem of a layout (empty: the layout may be rendered). Blank HTML stands for
    the built-in layout of the theme; its CSS is then checked alone."""
    html_text = unicodedata.normalize("NFC", html_text or "")
    css = unicodedata.normalize("NFC", css or "")
    problems = _html_problems(html_text) if html_text.strip() else []
    if css.strip():
        problems += _css_problems(css)
    return problems


# --------------------------------------------------------------------------- layouts


@dataclass(frozen=True)
class _CompiledLayout:
    parts: tuple[str, ...]  # literal text, field name, literal text, ..., literal text
    fields: frozenset[str]
    body_class: str
    css: str  # the layout's own CSS ("" for none)


@functools.cache
def _layout_file(name: str) -> str:
    return unicodedata.normalize("NFC", (LAYOUTS_DIR / name).read_text(encoding="utf-8"))


def builtin_layout_html(theme: str) -> str:
    """The HTML of the built-in layout of a theme: a starting point for an organiser's own."""
    if theme not in THEMES:
        raise ValueError(f"unknown certificate theme {theme!r}")
    return _layout_file(f"{theme}.html")


@functools.lru_cache(maxsize=64)
def _compile(html_text: str, css: str) -> _CompiledLayout:
    """A checked layout, ready to fill in. Raises :class:`LayoutError` (never cached)."""
    problems = check_layout(html_text, css)
    if problems:
        raise LayoutError(problems)
    parser = _LayoutParser()
    parser.feed(html_text)
    parser.close()
    _before, body, _after = _split_body(unicodedata.normalize("NFC", html_text))
    parts = tuple(_PLACEHOLDER.split(body))
    return _CompiledLayout(
        parts=parts,
        fields=frozenset(parts[1::2]),
        body_class=parser.body_class,
        css=unicodedata.normalize("NFC", css.strip()),
    )


@functools.cache
def _builtin_layout_compact(theme: str) -> str:
    """The built-in layout without the white space between its tags (we wrote it, so none of
    it is meaningful): fewer boxes for WeasyPrint to build and lay out for every page."""
    return re.sub(r">\s+<", "><", builtin_layout_html(theme))


def _layout_of(d: CertificateData) -> _CompiledLayout:
    custom = d.layout or Layout()
    return _compile(custom.html.strip() or _builtin_layout_compact(d.theme), custom.css)


def _field_texts(d: CertificateData) -> dict[str, str]:
    """The text of every text field, as printed (NFC, capitals where documents use them)."""
    return {
        "superior_body": _upper(d.superior_body),
        "issuing_body": _upper(d.issuing_body),
        "number": d.number,
        "decision_reference": _decision_line(d.decision_reference),
        "date_line": formal_date_line(d.place, d.issued_on),
        "title": _upper(d.title),
        "lead_in": d.lead_in or LEAD_IN.get(d.kind, "Chứng nhận"),
        "recipient_name": d.recipient_name,
        "recipient_unit": d.recipient_unit,
        "achievement": d.achievement,
        "contest_name": d.contest_name,
        "entry_title": _quoted(d.entry_title),
        "signing_on_behalf": _upper(d.signing_on_behalf),
        "signer_title": _upper(d.signer_title),
        "signer_name": d.signer_name,
        "verification_url": d.verification_url,
        "verification_code": d.verification_code,
    }


def _field_values(d: CertificateData, wanted: frozenset[str]) -> dict[str, str]:
    """The HTML standing for each field the layout prints: escaped NFC text, or an <img>."""
    values = {name: _e(value) for name, value in _field_texts(d).items() if name in wanted}
    if "qr_code" in wanted:
        values["qr_code"] = _img("qr", _qr_data_uri(d.verification_url), "Mã QR xác thực")
    if "signature_image" in wanted:
        values["signature_image"] = _img("signature", d.signature_image, "Chữ ký")
    if "seal_image" in wanted:
        values["seal_image"] = _img("seal", d.seal_image, "Con dấu")
    return values


# --------------------------------------------------------------------------- CSS


# The shared stylesheet: the shipped fonts, the base rules and the built-in themes' rules
# (scoped by the theme's class). A layout's own CSS comes after it.
STYLESHEET = "\n".join(
    [font_faces(), _layout_file("base.css"), _layout_file("party.css"), _layout_file("state.css")]
)


def _stylesheet_text(layout_css: str) -> str:
    return (
        f"{STYLESHEET}\n/* ---- the layout's own CSS ---- */\n{layout_css}"
        if layout_css
        else STYLESHEET
    )


# --------------------------------------------------------------------------- HTML


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
    layout = _layout_of(d)
    values = _field_values(d, layout.fields)
    body = "".join(values[part] if i % 2 else part for i, part in enumerate(layout.parts))
    classes = f"certificate d{density} {layout.body_class}".strip()
    return f'<section id="{anchor}" class="{_e(classes)}">{body}</section>'


def _page_title(d: CertificateData) -> str:
    return f"{d.title} - {d.recipient_name}" if d.title else d.recipient_name


def _html_document(sections: list[str], title: str, *, css: str | None = None) -> str:
    style = f"<style>\n{css}\n</style>" if css is not None else ""
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
    for uri in (d.signature_image, d.seal_image):
        if uri and not _DATA_IMAGE.match(uri):
            raise ValueError("signature and seal images must be data:image/ URIs")
    _layout_of(d)  # raises LayoutError for a bad layout


def certificate_html(data: CertificateData) -> str:
    """The certificate as a standalone HTML document with inline CSS.

    The body text size is picked from the text lengths; unlike
    :func:`render_certificate_pdf` it is not checked against an actual layout.
    """
    d = _normalised(data)
    _validate(d)
    css = _stylesheet_text(_layout_of(d).css)
    return _html_document([_certificate_section(d, _density_for(d))], _page_title(d), css=css)


# --------------------------------------------------------------------------- PDF

_local = threading.local()
# Parsed stylesheets kept per thread: the shared one and a few layouts' own.
_STYLESHEETS_KEPT = 8


@atexit.register
def _release_weasy() -> None:
    # Drop the cached FontConfiguration while the interpreter is still whole:
    # its __del__ removes a temporary folder and fails noisily if it only runs
    # during interpreter teardown.
    _local.__dict__.pop("weasy", None)


def _weasy(layout_css: str = ""):
    """(FontConfiguration, parsed CSS for a layout's own CSS) built once per thread and reused.

    Pango/Fontconfig objects are not safe to share between threads, so each
    thread gets its own; a single-threaded worker builds them exactly once.
    """
    cached = getattr(_local, "weasy", None)
    if cached is None:
        from weasyprint.text.fonts import FontConfiguration

        cached = _local.weasy = (FontConfiguration(), OrderedDict())
    font_config, stylesheets = cached
    css = stylesheets.get(layout_css)
    if css is None:
        from weasyprint import CSS

        css = CSS(
            string=_stylesheet_text(layout_css),
            base_url=FONTS_DIR.as_uri() + "/",
            font_config=font_config,
            url_fetcher=url_fetcher,
        )
        stylesheets[layout_css] = css
        while len(stylesheets) > _STYLESHEETS_KEPT:
            stylesheets.popitem(last=False)
    else:
        stylesheets.move_to_end(layout_css)
    return font_config, css


def render_certificate_pdf(data: CertificateData) -> bytes:
    """Render one certificate to a one-page A4 landscape PDF (one WeasyPrint document)."""
    return render_certificate_pdfs([data])[0]


def render_certificate_pdfs(
    items: Sequence[CertificateData], *, stamped: bool = True
) -> list[bytes]:
    """Render certificates to standalone one-page PDFs, in the order given.

    Stamped (the default; see "stamped rendering" below): WeasyPrint lays out what the
    certificates of a group share once, and each certificate's own fields are drawn over it.
    The certificates that cannot be stamped, or all of them with ``stamped=False``, are laid
    out in full as ONE WeasyPrint document per layout CSS, one page each, split into one PDF
    per certificate. Either way each PDF carries its own page, its own QR code and the font
    subsets of the batch, and opens on its own. Every certificate (its layout above all) is
    checked before anything is rendered: a bad one raises and no PDF is made.
    """
    certificates = [_normalised(data) for data in items]
    for d in certificates:
        _validate(d)
    pdfs: list[bytes] = [b""] * len(certificates)
    groups: dict[str, list[int]] = {}
    for index, d in enumerate(certificates):
        groups.setdefault(_layout_of(d).css, []).append(index)
    for layout_css, indexes in groups.items():
        _render_group(certificates, indexes, layout_css, pdfs, stamped=stamped)
    return pdfs


def _render_group(
    certificates: list[CertificateData],
    indexes: list[int],
    layout_css: str,
    pdfs: list[bytes],
    *,
    stamped: bool = True,
) -> None:
    """Render the certificates at ``indexes`` (sharing their layout CSS) into ``pdfs``:
    stamped over a shared background where they can be, laid out in full otherwise."""
    if stamped:
        indexes = _render_stamped(certificates, indexes, layout_css, pdfs)
    densities = {i: _density_for(certificates[i]) for i in indexes}
    pending = list(indexes)
    while pending:
        document, pages, fits = _layout(
            [certificates[i] for i in pending], [densities[i] for i in pending], layout_css
        )
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


# --------------------------------------------------------------------------- stamped rendering
#
# Most of a certificate is the same for everybody in a batch. The fields that differ (below)
# sit in boxes whose size does not depend on their text; WeasyPrint lays the rest of the page
# out once per group of certificates (the background), and the fields are drawn into their
# boxes over it (certificates.stamp). A certificate whose text does not fit its box even set
# smaller, or a layout whose fields are not alone in their elements, is laid out the usual
# way instead.

STAMPED_FIELDS = frozenset(
    {
        "number",
        "recipient_name",
        "recipient_unit",
        "achievement",
        "entry_title",
        "verification_code",
        "verification_url",
        "qr_code",
    }
)
# The most lines each stamped field may take before its text is set smaller.
STAMP_MAX_LINES = {
    "number": 1,
    "recipient_name": 2,
    "recipient_unit": 2,
    "achievement": 2,
    "entry_title": 3,
    "verification_code": 1,
    "verification_url": 2,
}
_BLANK_PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
_ZERO_WIDTH_SPACE = "\u200b"
_OPEN_TAG_AT_END = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)((?:\s[^<>]*)?)>([^<>]*)$")
_CLOSE_TAG_AT_START = re.compile(r"^([^<>]*)</([a-zA-Z][a-zA-Z0-9]*)\s*>")
_PX_TO_PT = 0.75


@dataclass(frozen=True)
class _StampSite:
    """A stamped placeholder of a layout: parts[index] is its field, alone in an element
    ``tag`` with literal ``prefix`` and ``suffix`` text around it (a QR code: an <img>)."""

    index: int
    field: str
    tag: str
    prefix: str
    suffix: str


@functools.lru_cache(maxsize=64)
def _stamp_sites(layout: _CompiledLayout) -> tuple[_StampSite, ...] | None:
    """The layout's stamped placeholders, or None when one of them shares its element with
    other markup (such a layout is always laid out in full)."""
    sites = []
    parts = layout.parts
    for index in range(1, len(parts), 2):
        field = parts[index]
        if field not in STAMPED_FIELDS:
            continue
        if field == "qr_code":
            sites.append(_StampSite(index, field, "img", "", ""))
            continue
        opened = _OPEN_TAG_AT_END.search(parts[index - 1])
        closed = _CLOSE_TAG_AT_START.search(parts[index + 1])
        if (
            opened is None
            or closed is None
            or opened.group(1).lower() != closed.group(2).lower()
            or "style" in opened.group(2).lower()
        ):
            return None
        sites.append(
            _StampSite(
                index,
                field,
                opened.group(1),
                html.unescape(opened.group(3)),
                html.unescape(closed.group(1)),
            )
        )
    return tuple(sites)


def _stamp_texts(d: CertificateData, sites) -> list[str]:
    """What each site prints for this certificate ("" for nothing)."""
    texts = _field_texts(d)
    printed = []
    for site in sites:
        if site.field == "qr_code":
            printed.append(d.verification_url)
            continue
        # As HTML prints an element's text: white space collapsed, trimmed at its edges; a
        # label around an empty field still printed, as the full layout prints it.
        printed.append(" ".join(f"{site.prefix}{texts[site.field]}{site.suffix}".split()))
    return printed


def _background_section(
    d: CertificateData,
    layout: _CompiledLayout,
    sites,
    fillers: Sequence[str],
    heights: Sequence[float | None],
) -> str:
    """The certificate with its stamped fields left blank: each element holds its filler
    text, laid out but never drawn (so an element as wide as its text keeps the width of the
    widest), and is given a fixed height in px (None: its natural height; 0: empty, so it
    takes no room)."""
    values = _field_values(d, layout.fields)
    parts = list(layout.parts)
    for number, (site, filler, height) in enumerate(zip(sites, fillers, heights, strict=True)):
        marker = f' data-stamp="{number}"'
        if site.field == "qr_code":
            values_html = f'<img class="qr"{marker} src="{_BLANK_PIXEL}" alt="">'
            parts[site.index] = f"\x00{values_html}"
            continue
        before, after = parts[site.index - 1], parts[site.index + 1]
        opened = _OPEN_TAG_AT_END.search(before)
        style = f' style="height:{height:.3f}px"' if height else ""
        parts[site.index - 1] = (
            before[: opened.start()] + f"<{opened.group(1)}{opened.group(2)}{marker}{style}>"
        )
        closed = _CLOSE_TAG_AT_START.search(after)
        parts[site.index + 1] = after[len(closed.group(1)) :]
        hidden = f'<span style="visibility:hidden">{_e(filler) or _ZERO_WIDTH_SPACE}</span>'
        parts[site.index] = "\x00" + ("" if height == 0 else hidden)
    body = "".join(
        (part[1:] if part.startswith("\x00") else values[part]) if i % 2 else part
        for i, part in enumerate(parts)
    )
    classes = f"certificate d0 {layout.body_class}".strip()
    return f'<section id="c0" class="{_e(classes)}">{body}</section>'


def _stamp_boxes(document) -> dict[int, object]:
    """The box of each stamped site on the document's first page."""
    found = {}
    stack = [document.pages[0]._page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and element.get("data-stamp") is not None:
            found.setdefault(int(element.get("data-stamp")), box)
        stack.extend(getattr(box, "children", ()))
    return found


def _slot(site: _StampSite, number: int, box, page_height_pt: float):
    x, y = box.content_box_x(), box.content_box_y()
    common = {
        "field": str(number),
        "x": x * _PX_TO_PT,
        "y": page_height_pt - (y + box.height) * _PX_TO_PT,
        "width": box.width * _PX_TO_PT,
        "height": box.height * _PX_TO_PT,
    }
    if site.field == "qr_code":
        return stamp.Slot(kind="qr", **common)
    style = box.style
    bold = style["font_weight"] >= 600
    italic = style["font_style"] in ("italic", "oblique")
    font = {
        (False, False): "regular",
        (True, False): "bold",
        (False, True): "italic",
        (True, True): "bold-italic",
    }[bold, italic]
    align = style["text_align_all"]
    align = {"start": "left", "justify": "left", "end": "right"}.get(align, align)
    red, green, blue = style["color"].to("srgb").coordinates
    return stamp.Slot(
        font=font,
        size=style["font_size"] * _PX_TO_PT,
        color=(red, green, blue),
        align=align if align in ("left", "center", "right") else "left",
        line_height=_line_height_px(style) / style["font_size"],
        uppercase=style["text_transform"] == "uppercase",
        letter_spacing=(
            0.0 if style["letter_spacing"] == "normal" else style["letter_spacing"] * _PX_TO_PT
        ),
        **common,
    )


def _layout_one(section: str, layout_css: str, title: str):
    from weasyprint import HTML

    font_config, css = _weasy(layout_css)
    return HTML(
        string=_html_document([section], title),
        base_url=FONTS_DIR.as_uri() + "/",
        url_fetcher=url_fetcher,
    ).render(font_config=font_config, stylesheets=[css])


# Liberation Serif's ascent, descent and line gap: the height of a "normal" line, in ems.
_NORMAL_LINE_HEIGHT = stamp.ASCENT + stamp.DESCENT + stamp.LINE_GAP


def _line_height_px(style) -> float:
    value = style["line_height"]
    if value == "normal":
        return _NORMAL_LINE_HEIGHT * style["font_size"]
    kind, number = value  # ("NUMBER", 1.25): a multiple of the font size; ("PIXELS", 30.0)
    return number * style["font_size"] if kind == "NUMBER" else number


def _measured_slots(document, sites) -> dict[int, tuple]:
    """Each stamped site's slot (plain data) and its line height in px, on the document's
    first page; empty when a site's element cannot hold a stamp (an inline element, whose
    height cannot be set)."""
    from weasyprint.formatting_structure.boxes import BlockContainerBox, ReplacedBox

    page = document.pages[0]
    boxes = _stamp_boxes(document)
    if not all(isinstance(box, BlockContainerBox | ReplacedBox) for box in boxes.values()):
        return {}
    return {
        number: (
            _slot(sites[number], number, box, page.height * _PX_TO_PT),
            _line_height_px(box.style),
        )
        for number, box in boxes.items()
    }


# Kept per process: a worker renders chunk after chunk of one contest's certificates. Only
# plain data is kept, never WeasyPrint's documents.
@functools.lru_cache(maxsize=8)
def _probe(section: str, layout_css: str, sites: tuple) -> dict[int, tuple]:
    """Each stamped site's slot and line height (px), its text at its natural height."""
    return _measured_slots(_layout_one(section, layout_css, ""), sites)


@functools.lru_cache(maxsize=8)
def _background(section: str, layout_css: str, title: str, sites: tuple):
    """The background of a group: its PDF, its page size (pt) and each site's slot; or None
    when it does not fit its page."""
    document = _layout_one(section, layout_css, title)
    if len(document.pages) != 1 or not _page_fits(document.pages[0]):
        return None
    page = document.pages[0]
    slots = {number: slot for number, (slot, _line) in _measured_slots(document, sites).items()}
    return document.write_pdf(), (page.width * _PX_TO_PT, page.height * _PX_TO_PT), slots


def _render_stamped(
    certificates: list[CertificateData], indexes: list[int], layout_css: str, pdfs: list[bytes]
) -> list[int]:
    """Render what can be stamped into ``pdfs``; return the indexes left to lay out fully."""
    by_background: dict[tuple, list[int]] = {}
    left: list[int] = []
    for index in indexes:
        d = certificates[index]
        layout = _layout_of(d)
        sites = _stamp_sites(layout)
        if not sites:
            left.append(index)
            continue
        texts = _field_texts(d)
        static = tuple(
            (name, value) for name, value in sorted(texts.items()) if name not in STAMPED_FIELDS
        )
        images = (d.signature_image, d.seal_image)
        by_background.setdefault((layout, static, images, d.theme), []).append(index)
    for group in by_background.values():
        first = certificates[group[0]]
        layout = _layout_of(first)
        sites = _stamp_sites(layout)
        printed = {index: _stamp_texts(certificates[index], sites) for index in group}
        # Filler text at least as wide as the longest text of each site (in a wide capital,
        # its length rounded up to a power of two): an element sized by its text is then wide
        # enough, and the next chunks of the batch find the same background made already.
        fillers = [
            "N" * _power_of_two_at_least(max(len(p[n]) for p in printed.values()))
            if site.field != "qr_code"
            else ""
            for n, site in enumerate(sites)
        ]
        measured = _probe(
            _background_section(first, layout, sites, fillers, [None] * len(sites)),
            layout_css,
            sites,
        )
        if len(measured) != len(sites):
            left += group
            continue
        # Lines each certificate needs in each text site (0: nothing to print).
        plans: dict[tuple, list[int]] = {}
        for index in group:
            lines = []
            for number, (site, text) in enumerate(zip(sites, printed[index], strict=True)):
                if site.field == "qr_code" or not text:
                    lines.append(1 if text else 0)
                    continue
                slot, line_px = measured[number]
                most = STAMP_MAX_LINES.get(site.field, 1)
                slot = replace(slot, height=most * line_px * _PX_TO_PT)
                fitted = stamp._fitted(slot, text.upper() if slot.uppercase else text)
                if fitted is None:
                    lines = None
                    break
                lines.append(len(fitted[1]))
            if lines is None:
                left.append(index)
            else:
                plans.setdefault(tuple(lines), []).append(index)
        for lines, members in plans.items():
            heights = [
                0 if n == 0 else (None if site.field == "qr_code" else n * measured[i][1])
                for i, (site, n) in enumerate(zip(sites, lines, strict=True))
            ]
            made = _background(
                _background_section(first, layout, sites, fillers, heights),
                layout_css,
                first.title,  # each certificate gets its own title when composed
                sites,
            )
            if made is None or any(n and i not in made[2] for i, n in enumerate(lines)):
                left += members
                continue
            background_pdf, page_size, placed = made
            slots = [placed[number] for number in range(len(sites)) if lines[number]]
            pages = [{str(n): text for n, text in enumerate(printed[i])} for i in members]
            layer, fits = stamp.stamp_layer(pages, slots, page_size)
            composed = stamp.compose(
                background_pdf, layer, [_page_title(certificates[i]) for i in members]
            )
            for index, fit, pdf in zip(members, fits, composed, strict=True):
                if fit:
                    pdfs[index] = pdf
                else:
                    left.append(index)
    return sorted(left)


def _power_of_two_at_least(number: int) -> int:
    return 1 << max(number - 1, 0).bit_length() if number else 0


def _page_fits(page) -> bool:
    """Whether a certificate's body text ends at least 3 mm above its footer (a layout of the
    organiser's without those two blocks always does)."""
    section = page._page_box.children[0].children[0].children[0]
    parts = {}
    for child in section.children:
        for css_class in (child.element.get("class") or "").split():
            parts.setdefault(css_class, child)
    content, footer = parts.get("content"), parts.get("footer-pin")
    if content is None or footer is None:
        return True
    return (
        content.position_y + content.margin_height() + FOOTER_GAP_PX
        <= footer.position_y + _LAYOUT_TOLERANCE_PX
    )


def _layout(certificates: list[CertificateData], densities: list[int], layout_css: str = ""):
    """Lay the certificates out as one document.

    Returns the document, the page number of each certificate and whether it fits on that
    one page: its body text (``.content``) ends at least 3 mm above its footer
    (``.footer-pin``) and nothing of it runs onto a next page. (A layout of the organiser's
    without those two blocks is only checked for running onto a next page.)
    """
    from weasyprint import HTML

    font_config, css = _weasy(layout_css)
    sections = [
        _certificate_section(d, density, f"c{position}")
        for position, (d, density) in enumerate(zip(certificates, densities, strict=True))
    ]
    document = HTML(
        # The stylesheet is passed pre-parsed through ``stylesheets=`` rather than
        # inlined, so it is not parsed again for every document.
        string=_html_document(sections, _page_title(certificates[0])),
        base_url=FONTS_DIR.as_uri() + "/",
        url_fetcher=url_fetcher,
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
        fits[position] = _page_fits(page)
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
        outputs.append(stamp.pdf_file(reader.pdf_header, objects, catalog_id, info_id))
    return outputs
