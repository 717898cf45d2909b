"""Stamping: per-certificate text drawn into fixed boxes over one shared background."""

import io
import unicodedata

import pypdf
import pytest

from certificates.stamp import Slot, _fitted, compose, stamp_layer
from tests.pdf import pdf_fonts, pdf_text, qr_codes

PAGE = (841.89, 595.28)  # A4 landscape, points

SLOTS = [
    Slot("recipient_name", 120, 300, 600, 40, font="bold", size=26, color=(0.04, 0.16, 0.42)),
    Slot("recipient_unit", 120, 270, 600, 22, size=15),
    Slot("entry_title", 120, 200, 600, 60, font="italic", size=15),
    Slot("verification_url", 60, 40, 400, 14, size=8.5, align="left"),
    Slot("qr_code", 60, 70, 90, 90, kind="qr"),
]

PEOPLE = [
    {
        "recipient_name": "Nguyễn Thị Hằng Ngữ",
        "recipient_unit": "Đảng bộ cơ quan Sở Nội vụ",
        "entry_title": "“Dân vận khéo” trong cải cách hành chính ở phường Hàng Bạc",
        "verification_url": "https://hoithi.example/verify/AAAAAAAAAAAAAAAAAAAAAA/",
        "qr_code": "https://hoithi.example/verify/AAAAAAAAAAAAAAAAAAAAAA/",
    },
    {
        "recipient_name": "Trần Văn Đức",
        "recipient_unit": "Đảng bộ Bệnh viện Đa khoa Xanh Pôn",
        "entry_title": "Mô hình “Ngày thứ Bảy văn minh”",
        "verification_url": "https://hoithi.example/verify/BBBBBBBBBBBBBBBBBBBBBB/",
        "qr_code": "https://hoithi.example/verify/BBBBBBBBBBBBBBBBBBBBBB/",
    },
]


@pytest.fixture(scope="module")
def background() -> bytes:
    from weasyprint import HTML

    from certificates.render import FONTS_DIR, STYLESHEET

    html = (
        f"<html><head><style>{STYLESHEET} @page {{ size: A4 landscape; margin: 10mm }}"
        "</style></head><body><p>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</p>"
        "<p>Độc lập - Tự do - Hạnh phúc</p></body></html>"
    )
    return HTML(string=html, base_url=FONTS_DIR.as_uri() + "/").write_pdf()


def test_each_certificate_is_a_standalone_pdf_with_the_background_and_only_its_own_text(
    background,
):
    layer, fits = stamp_layer(PEOPLE, SLOTS, PAGE)
    pdfs = compose(background, layer, [p["recipient_name"] for p in PEOPLE])

    assert fits == [True, True]
    assert len(pdfs) == 2
    for person, other, pdf in zip(PEOPLE, reversed(PEOPLE), pdfs, strict=True):
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        assert reader.metadata.title == person["recipient_name"]
        text = pdf_text(pdf)
        assert text == unicodedata.normalize("NFC", text)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text  # the shared background
        for field in ("recipient_name", "recipient_unit", "entry_title"):
            assert person[field] in text
        assert other["recipient_name"] not in text
        assert qr_codes(pdf) == [person["qr_code"]]
        # Only the shipped fonts, and every one of them embedded.
        fonts = pdf_fonts(pdf)
        assert fonts and all(embedded for _name, embedded in fonts)
        assert all(name.replace("-", "").startswith("LiberationSerif") for name, _ in fonts)


def test_text_is_drawn_where_its_slot_is():
    layer, _fits = stamp_layer(PEOPLE[:1], SLOTS, PAGE)
    found = []

    def visitor(text, _cm, tm, _font, size):
        if text.strip():
            found.append((text.strip(), tm[4], tm[5]))

    pypdf.PdfReader(io.BytesIO(layer)).pages[0].extract_text(visitor_text=visitor)
    name_slot = SLOTS[0]
    (x, y) = next((x, y) for text, x, y in found if text == PEOPLE[0]["recipient_name"])
    assert name_slot.x < x < name_slot.x + name_slot.width / 2  # centred: starts left of mid
    assert name_slot.y < y < name_slot.y + name_slot.height  # baseline inside the box


def test_long_text_is_set_smaller_and_text_that_cannot_fit_is_reported():
    slot = Slot("entry_title", 0, 0, 300, 20, size=15)
    assert _fitted(slot, "Dân vận khéo") == (15, ["Dân vận khéo"])
    size, lines = _fitted(slot, "Dân vận khéo trong cải cách hành chính ở phường")
    assert size < 15 and len(lines) == 1
    assert _fitted(slot, "Dân vận khéo trong cải cách hành chính " * 4) is None

    layer, fits = stamp_layer(
        [{"entry_title": "ngắn"}, {"entry_title": "rất dài " * 80}], [slot], PAGE
    )
    assert fits == [True, False]
    assert len(pypdf.PdfReader(io.BytesIO(layer)).pages) == 2


def test_compose_wants_one_title_per_page(background):
    layer, _fits = stamp_layer(PEOPLE, SLOTS, PAGE)
    with pytest.raises(ValueError):
        compose(background, layer, ["only one"])
