"""Stamping: per-certificate text drawn into fixed boxes over one shared background."""

import io
import unicodedata

import pypdf
import pytest

from certificates.stamp import Slot, _fitted, compose, stamp_layer
from tests.pdf import is_shipped_font, pdf_fonts, pdf_text, qr_codes

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
        assert all(is_shipped_font(name) for name, _ in fonts)


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


# --------------------------------------------------------------------------- in the renderer


def _people(count):
    from tests.unit.test_certificate_render import make_data

    names = ["Nguyễn Thị Hằng", "Trần Văn Đức", "Lê Thị Ánh Tuyết", "Phạm Quốc Việt"]
    units = ["Đảng bộ cơ quan Sở Nội vụ", "Đảng bộ Sở Tài chính", "Đảng bộ Cục Thuế Thành phố"]
    return [
        make_data(
            recipient_name=names[i % len(names)],
            recipient_unit=units[i % len(units)],
            achievement=["Đã đạt Giải Nhất", "Đã đạt Giải Khuyến khích"][i % 2],
            entry_title=f"Mô hình dân vận khéo số {i + 1} trong cải cách hành chính",
            number=f"Số {i + 1}-GCN/ĐUK",
            verification_url=f"https://hoithi.example/verify/{i:022d}/",
            verification_code=f"{i:022d}",
        )
        for i in range(count)
    ]


def _full_layouts(monkeypatch):
    """Count the full WeasyPrint layouts the renderer makes."""
    from certificates import render

    calls = []
    original_one, original_many = render._layout_one, render._layout

    def one(*args, **kwargs):
        calls.append("stamp")
        return original_one(*args, **kwargs)

    def many(certificates, *args, **kwargs):
        calls.extend(("full", d.number) for d in certificates)
        return original_many(certificates, *args, **kwargs)

    monkeypatch.setattr(render, "_layout_one", one)
    monkeypatch.setattr(render, "_layout", many)
    render._probe.cache_clear()
    render._background.cache_clear()
    return calls


def test_a_batch_is_laid_out_once_and_each_certificate_stamped(monkeypatch):
    from certificates.render import render_certificate_pdfs

    calls = _full_layouts(monkeypatch)
    people = _people(12)
    pdfs = render_certificate_pdfs(people)
    # One probe and a background per shape of text (how many lines each field takes), never
    # a page per certificate.
    assert calls.count("stamp") == len(calls) <= 5
    laid_out = calls.count("stamp")
    for data, pdf in zip(people, pdfs, strict=True):
        text = pdf_text(pdf)
        assert data.recipient_name in text and data.recipient_unit in text
        assert data.number in text and data.entry_title in text
        assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
        assert qr_codes(pdf) == [data.verification_url]
    # The backgrounds are kept: the same batch again (a retried task) lays nothing out.
    render_certificate_pdfs(people)
    assert len(calls) == laid_out


def test_a_stamped_page_looks_like_the_same_page_laid_out_in_full(monkeypatch):
    import io

    import pypdfium2
    from PIL import ImageChops, ImageStat

    from certificates import render

    data = _people(1)[0]
    stamped = render.render_certificate_pdfs([data])[0]
    monkeypatch.setattr(render, "_render_stamped", lambda c, indexes, css, pdfs: indexes)
    full = render.render_certificate_pdfs([data])[0]
    for text in (data.recipient_name, data.recipient_unit, data.entry_title, data.number):
        assert text in pdf_text(stamped) and text in pdf_text(full)

    def image(pdf):
        document = pypdfium2.PdfDocument(io.BytesIO(pdf))
        try:
            return document[0].render(scale=1).to_pil().convert("L")
        finally:
            document.close()

    difference = ImageChops.difference(image(stamped), image(full))
    # Kerning and rounding move a few glyph edges by a pixel; nothing moves further.
    assert ImageStat.Stat(difference).mean[0] < 2.5
    assert difference.getbbox() is not None  # (two different renderers, really)


def test_text_too_long_for_its_box_is_laid_out_in_full(monkeypatch):
    from certificates.render import render_certificate_pdfs

    calls = _full_layouts(monkeypatch)
    people = _people(3)
    long_title = "Dân vận khéo trong xây dựng chính quyền số và chuyển đổi số toàn diện " * 12
    people[1] = people[1].__class__(**{**people[1].__dict__, "entry_title": long_title.strip()})
    pdfs = render_certificate_pdfs(people)
    # Only the one with the long title is laid out in full (maybe twice, the second time
    # denser).
    assert {call[1] for call in calls if call != "stamp"} == {people[1].number}
    assert all(len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1 for pdf in pdfs)
    assert "chuyển đổi số toàn diện" in pdf_text(pdfs[1])


def test_a_layout_whose_field_shares_its_element_is_laid_out_in_full(monkeypatch):
    from certificates.render import Layout, builtin_layout_html, render_certificate_pdfs

    calls = _full_layouts(monkeypatch)
    html = builtin_layout_html("party").replace(
        '<p class="recipient">{{ recipient_name }}</p>',
        '<p class="recipient">Đồng chí <b>{{ recipient_name }}</b></p>',
    )
    people = [p.__class__(**{**p.__dict__, "layout": Layout(html=html)}) for p in _people(2)]
    pdfs = render_certificate_pdfs(people)
    assert [call for call in calls if call != "stamp"] == [("full", p.number) for p in people]
    assert "Đồng chí " + people[0].recipient_name in pdf_text(pdfs[0])


def test_white_space_around_a_field_is_collapsed_as_html_does():
    from certificates import render

    html = render.builtin_layout_html("party").replace(
        '<p class="recipient">{{ recipient_name }}</p>',
        '<p class="recipient">\n      {{ recipient_name }}\n    </p>',
    )
    data = render._normalised(
        _people(1)[0].__class__(**{**_people(1)[0].__dict__, "layout": render.Layout(html=html)})
    )
    layout = render._layout_of(data)
    sites = render._stamp_sites(layout)
    printed = dict(zip((s.field for s in sites), render._stamp_texts(data, sites), strict=True))
    assert printed["recipient_name"] == data.recipient_name
    assert printed["verification_url"] == f"Tra cứu: {data.verification_url}"
