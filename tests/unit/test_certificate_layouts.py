"""Certificate layouts: the built-in Party and State layouts as files, an organiser's own layout,
the declared fields and the check that refuses a layout before any PDF is made."""

import io
import unicodedata
from dataclasses import replace

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

from certificates import render
from certificates.render import (
    FIELDS,
    Layout,
    LayoutError,
    builtin_layout_html,
    certificate_html,
    check_layout,
    image_data_uri,
    render_certificate_pdf,
    render_certificate_pdfs,
)
from tests import certificate_samples as samples
from tests.pdf import pdf_fonts, pdf_text, qr_codes


def layout_html(declared: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="hoithi-fields" content="{declared}">{head}</head>'
        f"<body>{body}</body></html>"
    )


MINIMAL_FIELDS = "recipient_name achievement qr_code"
MINIMAL_BODY = "<p>{{ recipient_name }}</p><p>{{ achievement }}</p><div>{{ qr_code }}</div>"

# An organiser's own layout: a different wording and look, the footer pinned as the built-in.
OWN_LAYOUT = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="hoithi-fields" content="title recipient_name recipient_unit achievement
  contest_name date_line qr_code signer_title signer_name signature_image seal_image">
</head>
<body class="own">
<h1 class="own-title">{{ title }}</h1>
<div class="content">
<p class="own-lead">Ban Tổ chức trân trọng chúc mừng</p>
<p class="recipient">{{ recipient_name }}</p>
<p class="unit">{{ recipient_unit }}</p>
<p class="achievement">{{ achievement }} — {{ contest_name }}</p>
<p class="date-line">{{ date_line }}</p>
</div>
<div class="footer-pin"><table class="footer"><tr>
<td class="verify">{{ qr_code }}</td>
<td class="sign"><p class="signer-title">{{ signer_title }}</p>
<div class="signature-space">{{ signature_image }}{{ seal_image }}</div>
<p class="signer-name">{{ signer_name }}</p></td>
</tr></table></div>
</body></html>
"""
OWN_CSS = ".own-title { text-align: center; font-size: 40pt; color: #0b2a6b; margin: 8mm 0 0 0; }"


def problems_of(html: str, css: str = "") -> list[str]:
    return [problem.message for problem in check_layout(html, css)]


# --------------------------------------------------------------------------- built-in layouts


@pytest.mark.parametrize("theme", ["party", "state"])
def test_builtin_layouts_are_files_declaring_every_field_and_pass_the_check(theme):
    html = builtin_layout_html(theme)
    assert html == (render.LAYOUTS_DIR / f"{theme}.html").read_text(encoding="utf-8")
    assert check_layout(html) == []
    assert check_layout(html, (render.LAYOUTS_DIR / "base.css").read_text()) == []
    assert set(render._compile(html, "").fields) == set(FIELDS)


# --------------------------------------------------------------------------- the check

REFUSED = [
    # (html, css, part, words of the message)
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + "<p>{{ signer_name }}</p>"),
        "",
        "html",
        "{{ signer_name }} is used but not declared",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + "<p>{{ nickname }}</p>"),
        "",
        "html",
        "{{ nickname }} is not a HoiThi field",
    ),
    (
        layout_html(MINIMAL_FIELDS + " nickname", MINIMAL_BODY),
        "",
        "html",
        "“nickname” is declared but is not a HoiThi field",
    ),
    (
        layout_html(MINIMAL_FIELDS + " signer_name", MINIMAL_BODY),
        "",
        "html",
        "“signer_name” is declared but the layout never prints it",
    ),
    (
        layout_html("recipient_name qr_code", "<p>{{ recipient_name }}</p>{{ qr_code }}"),
        "",
        "html",
        "The layout must print {{ achievement }}",
    ),
    (
        layout_html("recipient_name achievement", "<p>{{ recipient_name }} {{ achievement }}</p>"),
        "",
        "html",
        "must print the verification QR code {{ qr_code }} or address",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + "<p>{{ recipient name }}</p>"),
        "",
        "html",
        "Malformed placeholder “{{ recipient name }}”",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + "<p>{{ recipient_name|upper }}</p>"),
        "",
        "html",
        "Malformed placeholder",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + "<p>{{ recipient_name }</p>"),
        "",
        "html",
        "Unbalanced braces",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + "{% if achievement %}x{% endif %}"),
        "",
        "html",
        "Template tags and comments",
    ),
    (
        "<html><head></head><body>" + MINIMAL_BODY + "</body></html>",
        "",
        "html",
        "The layout does not declare its fields",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + '<p title="{{ recipient_name }}">x</p>'),
        "",
        "html",
        "not inside a tag or its attributes",
    ),
    (
        # An unclosed quote: the rest of the layout would be one attribute's value.
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY.replace("<p>{{", '<p title="{{', 1)),
        "",
        "html",
        "A tag is never closed",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + "<!-- {{ achievement }} -->"),
        "",
        "html",
        "or a comment: {{ achievement }}",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY, head="<title>{{ recipient_name }}</title>"),
        "",
        "html",
        "only in the <body>",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + '<img src="https://example.org/seal.png">'),
        "",
        "html",
        "“https://example.org/seal.png” would not be loaded",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + '<img src="file:///etc/passwd">'),
        "",
        "html",
        "“file:///etc/passwd” would not be loaded",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY, head='<link rel="stylesheet" href="x.css">'),
        "",
        "html",
        "<link> is not allowed",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY + "<script>alert(1)</script>"),
        "",
        "html",
        "<script> is not allowed",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY, head="<style>p { color: red }</style>"),
        "",
        "html",
        "<style> is not allowed",
    ),
    (
        layout_html(
            MINIMAL_FIELDS, '<div style="background: url(/etc/passwd)">x</div>' + MINIMAL_BODY
        ),
        "",
        "html",
        "“/etc/passwd” would not be loaded",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY),
        "p { color: {{ recipient_name }} }",
        "css",
        "Placeholders are not allowed in the CSS",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY),
        '@import url("https://example.org/x.css");',
        "css",
        "@import is not allowed",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY),
        '@font-face { font-family: X; src: url("file:///usr/share/fonts/x.ttf") }',
        "css",
        "@font-face is not allowed",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY),
        "body { background: url(http://example.org/a.png) }",
        "css",
        "“http://example.org/a.png” would not be loaded",
    ),
    # An escaped "url" is still a url( to the CSS parser.
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY),
        r"body { background: u\72l(http://example.org/a.png) }",
        "css",
        "would not be loaded",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY),
        "p { font-family: Arial !important }",
        "css",
        "not “Arial”",
    ),
    (
        layout_html(MINIMAL_FIELDS, MINIMAL_BODY),
        "p { font: bold 12pt DejaVu Sans }",
        "css",
        "The “font” shorthand is not allowed",
    ),
    # Built-in layout (blank HTML), CSS alone.
    ("", "@import 'x.css';", "css", "@import is not allowed"),
]


@pytest.mark.parametrize(("html", "css", "part", "expected"), REFUSED)
def test_a_bad_layout_is_refused_with_a_clear_message(html, css, part, expected):
    problems = check_layout(html, css)
    assert problems, "the layout was accepted"
    assert any(expected in p.message and p.part == part for p in problems), problems


@pytest.mark.parametrize(("html", "css", "part", "expected"), REFUSED)
def test_a_bad_layout_never_produces_a_pdf(html, css, part, expected, monkeypatch):
    def no_layout(*args, **kwargs):
        raise AssertionError("WeasyPrint was asked to lay a bad layout out")

    monkeypatch.setattr(render, "_layout", no_layout)
    good = samples.certificate(images=False)
    bad = replace(good, layout=Layout(html=html, css=css))
    with pytest.raises(LayoutError) as refused:
        render_certificate_pdfs([good, bad])
    assert expected in str(refused.value)
    with pytest.raises(LayoutError):
        certificate_html(bad)


def test_every_problem_of_a_layout_is_listed_at_once():
    html = layout_html(
        "recipient_name nickname signer_name",
        "<p>{{ recipient_name }}</p><p>{{ contest_name }}</p><p>{{ oops }</p>",
    )
    messages = problems_of(html, "p { background: url(x.png) }")
    assert len(messages) >= 6, messages
    joined = " | ".join(messages)
    for words in (
        "“nickname” is declared but is not a HoiThi field",
        "{{ contest_name }} is used but not declared",
        "“signer_name” is declared but the layout never prints it",
        "The layout must print {{ achievement }}",
        "verification QR code",
        "Unbalanced braces",
        "“x.png” would not be loaded",
    ):
        assert words in joined


def test_a_good_layout_passes_and_data_image_uris_are_allowed():
    dot = image_data_uri(samples.seal_png())
    html = layout_html(MINIMAL_FIELDS, MINIMAL_BODY + f'<img src="{dot}" alt="">')
    css = f'.x {{ background: url("{dot}"); font-family: "Liberation Serif", serif; }}'
    assert problems_of(html, css) == []
    assert problems_of(OWN_LAYOUT, OWN_CSS) == []


# --------------------------------------------------------------------------- an own layout


def test_an_own_layout_prints_escaped_nfc_values_and_its_own_css():
    name = "Đặng <b>Thị</b> Hằng & Ngữ"
    data = samples.decomposed(
        samples.certificate(recipient_name=name, layout=Layout(OWN_LAYOUT, OWN_CSS))
    )
    assert unicodedata.normalize("NFD", name) == data.recipient_name

    page = certificate_html(data)
    assert unicodedata.is_normalized("NFC", page)
    assert "Đặng &lt;b&gt;Thị&lt;/b&gt; Hằng &amp; Ngữ" in page
    assert "<b>Thị</b>" not in page
    assert OWN_CSS in page

    pdf = render_certificate_pdf(data)
    text = pdf_text(pdf)
    assert unicodedata.is_normalized("NFC", text)
    for expected in (
        "GIẤY CHỨNG NHẬN",
        "Ban Tổ chức trân trọng chúc mừng",
        name,
        "Đã đạt Giải Nhất — Hội thi báo cáo viên",
        "Hà Nội, ngày 05 tháng 10 năm 2019",
        "BÍ THƯ",
        "Nguyễn Văn Phong",
    ):
        assert expected in text
    # Fields the layout does not print are not printed.
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in text and "Số 12-GCN/ĐUK" not in text
    assert qr_codes(pdf) == [samples.URL]
    assert all(n.startswith("Liberation-Serif") and e for n, e in pdf_fonts(pdf))
    # Its own CSS: the title at 40pt, not the 2em of a plain <h1>.
    plain = render_certificate_pdf(replace(data, layout=Layout(OWN_LAYOUT, "")))
    assert title_height(pdf) > 1.3 * title_height(plain)


def title_height(pdf: bytes) -> float:
    document = pypdfium2.PdfDocument(pdf)
    try:
        text_page = document[0].get_textpage()
        index, count = text_page.search("GIẤY").get_next()
        boxes = [text_page.get_charbox(i) for i in range(index, index + count)]
    finally:
        document.close()
    return max(b[3] for b in boxes) - min(b[1] for b in boxes)


def test_css_alone_restyles_the_builtin_layout_of_the_theme():
    data = samples.certificate("state", layout=Layout("", ".title { font-size: 44pt; }"))
    pdf = render_certificate_pdf(data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pdf_text(pdf)
    builtin = render_certificate_pdf(replace(data, layout=None))
    assert title_height(pdf) > 1.2 * title_height(builtin)


def test_a_batch_mixing_layouts_keeps_the_order_and_each_layout():
    items = [
        samples.certificate("party", recipient_name="Người Thứ Nhất"),
        samples.certificate("party", recipient_name="Người Thứ Hai", layout=Layout(OWN_LAYOUT)),
        samples.certificate("state", recipient_name="Người Thứ Ba"),
    ]
    texts = [pdf_text(pdf) for pdf in render_certificate_pdfs(items)]
    assert "Người Thứ Nhất" in texts[0] and "ĐẢNG CỘNG SẢN VIỆT NAM" in texts[0]
    assert "Người Thứ Hai" in texts[1] and "Ban Tổ chức trân trọng chúc mừng" in texts[1]
    assert "Người Thứ Ba" in texts[2] and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts[2]


# --------------------------------------------------------------------------- signature and seal


def image_boxes(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """(left, bottom, right, top) of every image drawn on page 1, in PDF points."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        return [
            tuple(obj.get_pos())
            for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4)
        ]
    finally:
        document.close()


def ink_box(page: Image.Image, is_ink) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) in pixels of the pixels ``is_ink`` picks."""
    mask = Image.new("1", page.size)
    mask.putdata([1 if is_ink(pixel) else 0 for pixel in page.get_flattened_data()])
    box = mask.getbbox()
    assert box is not None, "no such ink on the page"
    return box


def red(pixel) -> bool:
    r, g, b = pixel
    return r > 150 and g < 130 and b < 130


def blue(pixel) -> bool:
    r, g, b = pixel
    return b > 90 and r < 110 and g < 110 and b > r + 40


@pytest.mark.parametrize("theme", ["party", "state"])
def test_the_seal_is_stamped_over_the_left_of_the_signature(theme):
    pdf = render_certificate_pdf(samples.certificate(theme))
    assert len(image_boxes(pdf)) == 3  # QR code, signature, seal
    # The signing block (right half, bottom third) rasterised at 1 pixel per point: the seal
    # is the red ink there, the signature the blue.
    page = Image.open(io.BytesIO(render.rasterise(pdf, 72))).convert("RGB")
    width, height = page.size
    left, top = width // 2, int(height * 0.6)
    block = page.crop((left, top, width - 30, height - 30))
    seal = ink_box(block, red)
    signature = ink_box(block, blue)
    # Overlapping: the seal covers the signature's left part, not its right.
    assert seal[0] < signature[0] < seal[2] < signature[2]
    assert seal[1] < signature[3] and signature[1] < seal[3]
    assert signature[0] + left > width / 2  # in the signing block, right of centre
    # ... and stays above the signer's name (PDF points grow upwards, pixels downwards).
    name = "Nguyễn Văn Phong" if theme == "party" else "Trần Thị Thu Hương"
    assert seal[3] + top < height - text_top(pdf, name)


def text_top(pdf: bytes, needle: str) -> float:
    document = pypdfium2.PdfDocument(pdf)
    try:
        text_page = document[0].get_textpage()
        index, count = text_page.search(needle).get_next()
        return max(text_page.get_charbox(i)[3] for i in range(index, index + count))
    finally:
        document.close()


def test_without_signature_and_seal_only_the_qr_code_is_drawn():
    pdf = render_certificate_pdf(samples.certificate(images=False))
    assert len(image_boxes(pdf)) == 1
    assert qr_codes(pdf) == [samples.URL]


def test_images_reach_the_renderer_only_as_data_uris():
    with pytest.raises(ValueError):
        render_certificate_pdf(samples.certificate(signature_image="file:///etc/passwd"))
    with pytest.raises(ValueError):
        render_certificate_pdf(samples.certificate(seal_image="https://example.org/seal.png"))
    with pytest.raises(ValueError):
        image_data_uri(b"%PDF-1.7 not an image")


def test_a_large_photo_is_scaled_down_before_it_is_embedded():
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (250, 250, 250)).save(buffer, "JPEG")
    uri = image_data_uri(buffer.getvalue())
    assert uri.startswith("data:image/png;base64,")
    import base64

    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert max(image.size) == render.IMAGE_MAX_PIXELS


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://example.org/a.png",
        (render.LAYOUTS_DIR / "base.css").as_uri(),
        (render.FONTS_DIR / "LICENSE-LiberationSerif.txt").as_uri(),
    ],
)
def test_the_url_fetcher_loads_nothing_but_data_uris_and_the_shipped_fonts(url):
    with pytest.raises(ValueError, match="refusing to fetch"):
        render.url_fetcher(url)
    assert render.url_fetcher("data:text/plain,x")["file_obj"].read() == b"x"
    assert render.url_fetcher((render.FONTS_DIR / "LiberationSerif-Bold.ttf").as_uri())
