"""Tests for the pure certificate renderer (no database needed)."""

import datetime
import io
import os
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from PIL import Image, ImageChops

from certificates import render
from certificates.render import (
    FONT_FAMILY,
    CertificateData,
    certificate_html,
    formal_date_line,
    render_certificate_pdf,
)
from tests import certificate_samples as samples
from tests.pdf import is_shipped_font, pdf_fonts, pdf_text, qr_codes

# A name full of stacked Vietnamese diacritics (horn + hook, breve + dot...).
NAME = "Đặng Thị Hằng Ngữ"
URL = "https://hoithi.hanoi.gov.vn/xac-thuc/7F3K-Q9ZT-M2XA"


def make_data(**changes) -> CertificateData:
    data = CertificateData(
        theme="party",
        kind="prize",
        superior_body="Đảng bộ Thành phố Hà Nội",
        issuing_body="Đảng ủy Khối các cơ quan Thành phố",
        number="Số 12-GCN/ĐUK",
        title="GIẤY CHỨNG NHẬN",
        recipient_name=NAME,
        recipient_unit="Đảng bộ cơ quan Sở Nội vụ",
        achievement="Đã đạt Giải Nhất",
        contest_name='Hội thi báo cáo viên giới thiệu mô hình "Dân vận khéo" năm 2019',
        entry_title="Chi bộ bốn tốt gắn với xây dựng cơ quan văn hóa",
        place="Hà Nội",
        issued_on=datetime.date(2019, 10, 5),
        signing_on_behalf="T/M BAN THƯỜNG VỤ",
        signer_title="PHÓ BÍ THƯ",
        signer_name="Nguyễn Văn Phong",
        verification_url=URL,
        verification_code="7F3K-Q9ZT-M2XA",
    )
    return replace(data, **changes)


# --------------------------------------------------------------------------- helpers


def text_box(pdf: bytes, needle: str) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) in PDF points of ``needle`` on page 1 (y grows upwards)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        text_page = document[0].get_textpage()
        found = text_page.search(needle).get_next()
        assert found is not None, f"{needle!r} not found on page 1"
        index, count = found
        boxes = [text_page.get_charbox(i) for i in range(index, index + count)]
    finally:
        document.close()
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def party_pdf() -> bytes:
    return render_certificate_pdf(make_data())


@pytest.fixture(scope="module")
def state_pdf() -> bytes:
    return render_certificate_pdf(
        make_data(
            theme="state",
            superior_body="UBND THÀNH PHỐ HÀ NỘI",
            issuing_body="SỞ NỘI VỤ",
            number="Số: 12/GCN-SNV",
            signing_on_behalf="KT. GIÁM ĐỐC",
            signer_title="PHÓ GIÁM ĐỐC",
        )
    )


# --------------------------------------------------------------------------- date line


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2019, 10, 5), "Hà Nội, ngày 05 tháng 10 năm 2019"),
        (datetime.date(2020, 2, 9), "Hà Nội, ngày 09 tháng 02 năm 2020"),
        (datetime.date(2021, 3, 15), "Hà Nội, ngày 15 tháng 3 năm 2021"),
        (datetime.date(2019, 1, 31), "Hà Nội, ngày 31 tháng 01 năm 2019"),
        (datetime.date(2022, 12, 1), "Hà Nội, ngày 01 tháng 12 năm 2022"),
    ],
)
def test_formal_date_line(day, expected):
    assert formal_date_line("Hà Nội", day) == expected


# --------------------------------------------------------------------------- PDF content


def test_party_pdf_is_one_page_with_name_header_and_date(party_pdf):
    assert party_pdf.startswith(b"%PDF-")
    assert page_count(party_pdf) == 1
    assert unicodedata.is_normalized("NFC", NAME)
    text = pdf_text(party_pdf)
    # pypdf gives back precomposed (NFC) text: no normalisation needed.
    assert unicodedata.is_normalized("NFC", text)
    assert NAME in text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "Hà Nội, ngày 05 tháng 10 năm 2019" in text
    assert "Số 12-GCN/ĐUK" in text
    assert "ĐẢNG ỦY KHỐI CÁC CƠ QUAN THÀNH PHỐ" in text  # upper-cased issuing body
    assert "Đã đạt Giải Nhất" in text
    assert "T/M BAN THƯỜNG VỤ" in text
    assert "Nguyễn Văn Phong" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in text
    # Layout: header above title above name; party name right of the issuer;
    # signing block right of centre and below the name.
    issuer = text_box(party_pdf, "ĐẢNG ỦY KHỐI")
    party = text_box(party_pdf, "ĐẢNG CỘNG SẢN VIỆT NAM")
    title = text_box(party_pdf, "GIẤY CHỨNG NHẬN")
    name = text_box(party_pdf, NAME)
    signer = text_box(party_pdf, "Nguyễn Văn Phong")
    assert party[0] > issuer[2]
    assert issuer[1] > title[3] and party[1] > title[3]
    assert title[1] > name[3] > name[1] > signer[3]
    page_width = float(pypdf.PdfReader(io.BytesIO(party_pdf)).pages[0].mediabox.width)
    assert page_width > 800  # landscape A4 is 842 pt wide
    assert signer[0] > page_width / 2
    # The footer is drawn once (its in-flow copy is invisible).
    assert text.count("Nguyễn Văn Phong") == 1


def test_state_pdf_has_national_header(state_pdf):
    assert page_count(state_pdf) == 1
    text = pdf_text(state_pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: 12/GCN-SNV" in text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in text
    assert NAME in text


@pytest.mark.parametrize("which", ["party_pdf", "state_pdf"])
def test_only_liberation_serif_is_embedded(which, request):
    pdf = request.getfixturevalue(which)
    fonts = pdf_fonts(pdf)
    assert fonts, "no font found in the PDF"
    expected = re.sub(r"[^a-z]", "", FONT_FAMILY.lower())
    for name, is_embedded in fonts:
        assert re.sub(r"[^a-z]", "", name.lower()).startswith(expected), fonts
        assert "dejavu" not in name.lower()
        assert is_embedded, f"{name} is not embedded"


@pytest.mark.parametrize("which", ["party_pdf", "state_pdf"])
def test_qr_code_decodes_to_verification_url(which, request):
    assert qr_codes(request.getfixturevalue(which)) == [URL]


def test_decomposed_input_comes_out_precomposed():
    nfd = unicodedata.normalize("NFD", NAME)
    assert nfd != NAME
    data = make_data(
        recipient_name=nfd,
        recipient_unit=unicodedata.normalize("NFD", "Đảng bộ cơ quan Sở Nội vụ"),
        place=unicodedata.normalize("NFD", "Hà Nội"),
    )

    page = certificate_html(data)
    assert unicodedata.is_normalized("NFC", page)
    assert NAME in page
    assert nfd not in page

    text = pdf_text(render_certificate_pdf(data))
    assert unicodedata.is_normalized("NFC", text)
    assert NAME in text
    assert "Đảng bộ cơ quan Sở Nội vụ" in text
    assert "Hà Nội, ngày 05 tháng 10 năm 2019" in text


def test_markup_in_input_is_escaped():
    name = "Nguyễn <b>Văn</b> A & Cộng sự"
    page = certificate_html(make_data(recipient_name=name))
    assert "Nguyễn &lt;b&gt;Văn&lt;/b&gt; A &amp; Cộng sự" in page
    assert "<b>Văn</b>" not in page

    text = pdf_text(render_certificate_pdf(make_data(recipient_name=name)))
    assert name in text


@pytest.mark.parametrize("optimistic_guess", [False, True])
def test_very_long_texts_still_fit_on_one_page(optimistic_guess, monkeypatch):
    if optimistic_guess:
        # Start from the normal layout so the shrink-and-retry path is exercised.
        monkeypatch.setattr(render, "_density_for", lambda data: 0)
    filler = "Hội thi báo cáo viên giới thiệu mô hình Dân vận khéo "
    data = make_data(
        contest_name=(filler * 20)[:480].strip() + " HẾT TÊN HỘI THI",
        entry_title=(filler * 20)[:480].strip() + " HẾT TÊN MÔ HÌNH",
        recipient_unit=(filler * 10)[:255].strip(),
    )
    pdf = render_certificate_pdf(data)
    assert page_count(pdf) == 1
    text = pdf_text(pdf)
    assert NAME in text
    # Nothing was cut off: the ends of the long texts and the footer are there.
    assert "HẾT TÊN HỘI THI" in text
    assert "HẾT TÊN MÔ HÌNH" in text
    assert "Nguyễn Văn Phong" in text
    assert URL in text
    # ... and the body text stays clear of the footer pinned to the bottom.
    body_bottom = text_box(pdf, "HẾT TÊN MÔ HÌNH")[1]
    footer_top = text_box(pdf, "T/M BAN THƯỜNG VỤ")[3]
    assert body_bottom > footer_top


def test_unknown_theme_is_rejected():
    with pytest.raises(ValueError):
        certificate_html(make_data(theme="royal"))


# --------------------------------------------------------------------------- batched rendering


def batch_of_certificates() -> list[CertificateData]:
    filler = "Hội thi báo cáo viên giới thiệu mô hình Dân vận khéo "
    return [
        make_data(),
        make_data(
            recipient_name="Nguyễn Thị Thúy Hường",
            recipient_unit="Đảng ủy cơ quan Sở Xây dựng",
            achievement="Đã đạt Giải Ba",
            entry_title="Tổ tự quản tham gia giữ gìn vệ sinh môi trường khu dân cư",
            number="Số 13-GCN/ĐUK",
            verification_url="https://hoithi.hanoi.gov.vn/xac-thuc/B2C4-D6E8-F0A1",
            verification_code="B2C4-D6E8-F0A1",
        ),
        # Long enough to need a denser layout than its neighbours.
        make_data(
            recipient_name="Phạm Quang Hữu",
            entry_title=(filler * 20)[:480].strip() + " HẾT TÊN MÔ HÌNH",
            verification_url="https://hoithi.hanoi.gov.vn/xac-thuc/C3D5-E7F9-A1B3",
            verification_code="C3D5-E7F9-A1B3",
        ),
        make_data(
            theme="state",
            recipient_name="Võ Văn Trọng",
            number="Số: 14/GCN-SNV",
            verification_url="https://hoithi.hanoi.gov.vn/xac-thuc/D4E6-F8A0-B2C4",
            verification_code="D4E6-F8A0-B2C4",
        ),
    ]


def image_count(pdf: bytes) -> int:
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    return len(page["/Resources"].get("/XObject", {}))


def test_a_batch_renders_one_standalone_pdf_per_certificate_in_order():
    batch = batch_of_certificates()
    pdfs = render.render_certificate_pdfs(batch)
    assert len(pdfs) == len(batch)
    for data, pdf in zip(batch, pdfs, strict=True):
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)
        assert len(reader.pages) == 1
        assert reader.metadata["/Title"] == f"GIẤY CHỨNG NHẬN - {data.recipient_name}"
        document = pypdfium2.PdfDocument(pdf)
        assert len(document) == 1
        document.close()
        text = pdf_text(pdf)
        assert unicodedata.is_normalized("NFC", text)
        assert data.recipient_name in text and data.number in text
        assert "Nguyễn Văn Phong" in text  # the footer was not pushed off the page
        assert qr_codes(pdf) == [data.verification_url]
        # Its own QR code only, and the shipped font embedded.
        assert image_count(pdf) == 1
        fonts = pdf_fonts(pdf)
        assert fonts and all(is_shipped_font(name) and embedded for name, embedded in fonts)
    assert "HẾT TÊN MÔ HÌNH" in pdf_text(pdfs[2])
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pdf_text(pdfs[3])


def test_a_certificate_looks_the_same_rendered_alone_or_in_a_batch():
    batch = batch_of_certificates()
    for alone, batched in zip(
        [render_certificate_pdf(data) for data in batch],
        render.render_certificate_pdfs(batch),
        strict=True,
    ):
        assert pdf_text(alone) == pdf_text(batched)
        assert text_box(alone, "GIẤY CHỨNG NHẬN") == text_box(batched, "GIẤY CHỨNG NHẬN")
        assert text_box(alone, "Nguyễn Văn Phong") == text_box(batched, "Nguyễn Văn Phong")


def test_an_empty_batch_renders_nothing():
    assert render.render_certificate_pdfs([]) == []


# --------------------------------------------------------------------------- themes and kinds

THEME_TEXTS = {
    "party": [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI",
        "ĐẢNG ỦY KHỐI CÁC CƠ QUAN THÀNH PHỐ",
        "Số 12-GCN/ĐUK",
        "T/M BAN THƯỜNG VỤ",
        "BÍ THƯ",
        "Nguyễn Văn Phong",
        "Theo Quyết định số 125-QĐ/ĐUK",
    ],
    "state": [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND THÀNH PHỐ HÀ NỘI",
        "SỞ NỘI VỤ",
        "Số: 12/GCN-SNV",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Trần Thị Thu Hương",
        "Theo Quyết định số 125/QĐ-SNV",
    ],
}
OTHER_THEME_HEADER = {"party": "CỘNG HÒA XÃ HỘI", "state": "ĐẢNG CỘNG SẢN"}
KIND_TEXTS = {
    "prize": ["Đã đạt Giải Nhất", "“Chi bộ bốn tốt gắn với xây dựng cơ quan văn hóa”"],
    "participation": ["Đã tham gia", "“Chi bộ bốn tốt gắn với xây dựng cơ quan văn hóa”"],
    "judge": [samples.JUDGE_ACHIEVEMENT, "Ban Tuyên giáo Thành ủy"],
}
COMMON_TEXTS = [
    "GIẤY CHỨNG NHẬN",
    "Đặng Thị Hằng Ngữ",
    "Hà Nội, ngày 05 tháng 10 năm 2019",
    "Hội thi báo cáo viên giới thiệu mô hình “Dân vận khéo” năm 2019",
    samples.CODE,
]
VARIANTS = [
    (theme, kind) for theme in ("party", "state") for kind in ("prize", "participation", "judge")
]


@pytest.fixture(scope="module")
def rendered_variants() -> dict[tuple[str, str, str], bytes]:
    """Every theme and kind, typed in NFC and in NFD, rendered as one batch."""
    keys, items = [], []
    for theme, kind in VARIANTS:
        data = samples.certificate(theme, kind)
        for form, variant in (("NFC", data), ("NFD", samples.decomposed(data))):
            keys.append((theme, kind, form))
            items.append(variant)
    assert unicodedata.normalize("NFD", NAME) in [d.recipient_name for d in items]
    return dict(zip(keys, render.render_certificate_pdfs(items), strict=True))


@pytest.mark.parametrize("form", ["NFC", "NFD"])
@pytest.mark.parametrize(("theme", "kind"), VARIANTS)
def test_every_theme_and_kind_prints_its_vietnamese_texts_in_nfc(
    theme, kind, form, rendered_variants
):
    pdf = rendered_variants[(theme, kind, form)]
    assert page_count(pdf) == 1
    text = pdf_text(pdf)
    assert unicodedata.is_normalized("NFC", text)
    for expected in COMMON_TEXTS + THEME_TEXTS[theme] + KIND_TEXTS[kind]:
        assert unicodedata.is_normalized("NFC", expected)
        assert expected in text, f"{expected!r} missing from the {theme} {kind} certificate"
    assert OTHER_THEME_HEADER[theme] not in text
    if kind == "judge":
        assert "Chi bộ bốn tốt" not in text  # a judge presented no entry


@pytest.mark.parametrize(("theme", "kind"), VARIANTS)
def test_every_theme_and_kind_embeds_the_shipped_font_and_a_readable_qr_code(
    theme, kind, rendered_variants
):
    pdf = rendered_variants[(theme, kind, "NFD")]
    fonts = pdf_fonts(pdf)
    assert fonts and all(is_shipped_font(name) and embedded for name, embedded in fonts), fonts
    assert qr_codes(pdf) == [samples.URL]


def test_a_special_prize_is_printed_by_its_name():
    special = "Đã đạt Giải Báo cáo viên có phong cách trình bày ấn tượng"
    text = pdf_text(render_certificate_pdf(samples.certificate("state", achievement=special)))
    assert special in text


# --------------------------------------------------------------------------- reference images

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
REFERENCE_DPI = 72
# Rendering the same PDF with the same pdfium gives the same pixels; the slack absorbs
# anti-aliasing differences between builds, not a moved or missing element.
MAX_MEAN_DIFFERENCE = 0.1  # mean absolute difference per channel, 0-255
MAX_CHANGED_SHARE = 0.00002  # share of pixels (about 10 of 600,000) changed beyond CHANGED_LEVEL
CHANGED_LEVEL = 48
REFERENCES = {
    "certificate_party_prize.png": lambda: samples.certificate("party", "prize"),
    "certificate_state_judge.png": lambda: samples.certificate("state", "judge"),
}


def page_image(pdf: bytes) -> Image.Image:
    return Image.open(io.BytesIO(render.rasterise(pdf, REFERENCE_DPI))).convert("RGB")


def image_difference(actual: Image.Image, expected: Image.Image) -> tuple[float, float]:
    """(mean absolute difference per channel, share of pixels changed beyond CHANGED_LEVEL)."""
    assert actual.size == expected.size
    difference = ImageChops.difference(actual, expected)
    histograms = difference.histogram()  # 3 x 256 bins
    pixels = actual.size[0] * actual.size[1]
    mean = sum(level * count for i, count in enumerate(histograms) for level in [i % 256])
    mean /= 3 * pixels
    changed = difference.convert("L").point(lambda v: 255 if v > CHANGED_LEVEL else 0)
    return mean, changed.histogram()[255] / pixels


@pytest.mark.parametrize("file_name", sorted(REFERENCES))
def test_rendered_page_matches_the_reviewed_reference_image(file_name, request):
    """The pages were reviewed by eye (header, diacritics, seal over the signature, nothing
    overlapping). Regenerate after an intended change with UPDATE_REFERENCE_IMAGES=1, then
    review the new images before committing them."""
    actual = page_image(render_certificate_pdf(REFERENCES[file_name]()))
    path = REFERENCE_DIR / file_name
    if os.environ.get("UPDATE_REFERENCE_IMAGES") == "1":
        REFERENCE_DIR.mkdir(exist_ok=True)
        actual.save(path, optimize=True)
    expected = Image.open(path).convert("RGB")
    mean, changed = image_difference(actual, expected)
    if mean > MAX_MEAN_DIFFERENCE or changed > MAX_CHANGED_SHARE:
        artifacts = request.getfixturevalue("artifacts_dir")
        actual.save(artifacts / f"actual_{file_name}")
        ImageChops.difference(actual, expected).save(artifacts / f"difference_{file_name}")
    assert mean <= MAX_MEAN_DIFFERENCE, f"mean difference {mean:.3f}"
    assert changed <= MAX_CHANGED_SHARE, f"{changed:.4%} of the pixels changed"


@pytest.mark.parametrize(
    "change",
    [
        {"seal_image": ""},
        {"recipient_name": "Đặng Thị Hằng Ngũ"},  # one tone mark differs
        {"issued_on": datetime.date(2019, 10, 6)},
    ],
)
def test_the_reference_comparison_notices_a_small_change(change):
    expected = Image.open(REFERENCE_DIR / "certificate_party_prize.png").convert("RGB")
    changed_page = page_image(
        render_certificate_pdf(replace(REFERENCES["certificate_party_prize.png"](), **change))
    )
    mean, changed = image_difference(changed_page, expected)
    assert mean > MAX_MEAN_DIFFERENCE or changed > MAX_CHANGED_SHARE
