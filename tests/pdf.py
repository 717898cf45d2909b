"""Reading PDFs the way a person would: their text, their fonts, their QR codes."""

import io
import re

import pypdf
import pypdfium2
import zxingcpp


def pdf_text(pdf: bytes) -> str:
    """Text of every page as pypdf extracts it, whitespace runs collapsed to one space."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    raw = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", raw)


def pdf_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(BaseFont without the subset tag, has an embedded font file) for every font used."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found: dict[str, bool] = {}

    def embedded(font) -> bool:
        descriptors = [font.get("/FontDescriptor")]
        for descendant in font.get("/DescendantFonts", []):
            descriptors.append(descendant.get_object().get("/FontDescriptor"))
        files = ("/FontFile", "/FontFile2", "/FontFile3")
        return any(d is not None and any(k in d.get_object() for k in files) for d in descriptors)

    def walk(resources, seen):
        if resources is None or id(resources) in seen:
            return
        seen.add(id(resources))
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            name = str(font["/BaseFont"]).lstrip("/")
            name = name.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", name) else name
            found[name] = found.get(name, False) or embedded(font)
        for xobject in (resources.get("/XObject") or {}).values():
            walk(xobject.get_object().get("/Resources"), seen)

    for page in reader.pages:
        walk(page.get("/Resources"), set())
    return sorted(found.items())


def qr_codes(pdf: bytes, dpi: int = 150) -> list[str]:
    """The text of every QR code on page 1, rasterised at about `dpi`."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    return [
        code.text
        for code in zxingcpp.read_barcodes(image)
        if code.format == zxingcpp.BarcodeFormat.QRCode
    ]


def is_shipped_font(name: str) -> bool:
    """Whether an embedded font's name is the shipped Liberation Serif (WeasyPrint names it
    "Liberation-Serif-Bold", ReportLab by its PostScript name "LiberationSerif-Bold")."""
    return name.replace("-", "").startswith("LiberationSerif")
