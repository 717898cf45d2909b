"""Sample certificate data and images shared by the certificate tests: drawn by Pillow, the
same pixels every run, so that rendered pages can be compared with reviewed references."""

import datetime
import io
import unicodedata
from dataclasses import fields, replace

from PIL import Image, ImageDraw

from certificates.render import CertificateData, image_data_uri

URL = "https://hoithi.hanoi.gov.vn/verify/Qm9rVDd4c2x0UkJ2/"
CODE = "Qm9rVDd4c2x0UkJ2"
JUDGE_ACHIEVEMENT = "Đã có nhiều đóng góp với vai trò thành viên Ban Giám khảo"


def signature_png() -> bytes:
    """A blue pen stroke on a transparent background, 600 x 220 px."""
    image = Image.new("RGBA", (600, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    stroke = [(40, 160), (90, 60), (130, 170), (180, 70), (230, 150)]
    stroke += [(300, 90), (360, 140), (430, 60), (520, 120)]
    draw.line(stroke, fill=(20, 40, 140, 255), width=9, joint="curve")
    draw.line([(60, 185), (540, 175)], fill=(20, 40, 140, 255), width=6)
    return _png(image)


def seal_png() -> bytes:
    """A red round seal (two rings and a star) on a transparent background, 500 x 500 px."""
    image = Image.new("RGBA", (500, 500), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 490, 490), outline=(200, 20, 20, 230), width=18)
    draw.ellipse((70, 70, 430, 430), outline=(200, 20, 20, 230), width=8)
    draw.regular_polygon((250, 250, 90), 5, fill=(200, 20, 20, 230))
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


PARTY = {
    "theme": "party",
    "superior_body": "Đảng bộ Thành phố Hà Nội",
    "issuing_body": "Đảng ủy Khối các cơ quan Thành phố",
    "number": "Số 12-GCN/ĐUK",
    "signing_on_behalf": "T/M Ban Thường vụ",
    "signer_title": "Bí thư",
    "signer_name": "Nguyễn Văn Phong",
    "decision_reference": "125-QĐ/ĐUK",
}
STATE = {
    "theme": "state",
    "superior_body": "UBND Thành phố Hà Nội",
    "issuing_body": "Sở Nội vụ",
    "number": "Số: 12/GCN-SNV",
    "signing_on_behalf": "KT. Giám đốc",
    "signer_title": "Phó Giám đốc",
    "signer_name": "Trần Thị Thu Hương",
    "decision_reference": "125/QĐ-SNV",
}
KINDS = {
    "prize": {"achievement": "Đã đạt Giải Nhất"},
    "participation": {"achievement": "Đã tham gia"},
    "judge": {
        "achievement": JUDGE_ACHIEVEMENT,
        "entry_title": "",
        "recipient_unit": "Ban Tuyên giáo Thành ủy",
    },
}


def certificate(theme: str = "party", kind: str = "prize", *, images: bool = True, **changes):
    """A certificate of ``theme`` and ``kind`` for a recipient whose name stacks diacritics."""
    data = CertificateData(
        kind=kind,
        title="Giấy chứng nhận",
        recipient_name="Đặng Thị Hằng Ngữ",
        recipient_unit="Đảng bộ cơ quan Sở Nội vụ",
        achievement="",
        contest_name="Hội thi báo cáo viên giới thiệu mô hình “Dân vận khéo” năm 2019",
        entry_title="Chi bộ bốn tốt gắn với xây dựng cơ quan văn hóa",
        place="Hà Nội",
        issued_on=datetime.date(2019, 10, 5),
        verification_url=URL,
        verification_code=CODE,
        signature_image=image_data_uri(signature_png()) if images else "",
        seal_image=image_data_uri(seal_png()) if images else "",
        **(PARTY if theme == "party" else STATE),
    )
    return replace(data, **(KINDS[kind] | changes))


def decomposed(data: CertificateData) -> CertificateData:
    """The same certificate typed in NFD (as some keyboards and old files produce it)."""
    return replace(
        data,
        **{
            f.name: unicodedata.normalize("NFD", getattr(data, f.name))
            for f in fields(data)
            if isinstance(getattr(data, f.name), str)
            and not getattr(data, f.name).startswith("data:")
        },
    )
