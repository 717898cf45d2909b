"""The organiser's certificate template page: settings, images, an own layout checked before it
is saved, and previews (PNG and PDF) rendered from sample data."""

import base64
import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from certificates import render, services
from certificates.models import Certificate, CertificateBatch, CertificateTemplate
from tests import certificate_samples as samples
from tests.pdf import is_shipped_font, pdf_fonts, pdf_text, qr_codes
from tests.unit.test_certificate_layouts import OWN_CSS, OWN_LAYOUT

pytestmark = pytest.mark.django_db

SAMPLE_URL = f"{settings.SITE_URL}/verify/{services.SAMPLE_CODE}/"


def page_url(world) -> str:
    return reverse("certificates:template", args=[world.contest.slug])


def preview_url(world, extension: str, kind: str = "prize") -> str:
    name = f"certificates:template-preview-{extension}"
    return reverse(name, args=[world.contest.slug]) + f"?kind={kind}"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(**changes) -> dict:
    data = {
        "theme": "party",
        "superior_body": "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI",
        "issuing_body": "ĐẢNG ỦY KHỐI CÁC CƠ QUAN THÀNH PHỐ",
        "decision_reference": "125-QĐ/ĐUK",
        "number_suffix": "GCN/ĐUK",
        "signing_on_behalf": "T/M BAN THƯỜNG VỤ",
        "signer_title": "BÍ THƯ",
        "signer_name": "Nguyễn Văn Phong",
        "layout_html": "",
        "layout_css": "",
        "kind": "prize",
        "action": "save",
    }
    return data | changes


def uploads() -> dict:
    return {
        "signature_image": SimpleUploadedFile(
            "chu-ky.png", samples.signature_png(), content_type="image/png"
        ),
        "seal_image": SimpleUploadedFile(
            "con-dau.png", samples.seal_png(), content_type="image/png"
        ),
    }


def image_count(pdf: bytes) -> int:
    from tests.unit.test_certificate_layouts import image_boxes

    return len(image_boxes(pdf))


# --------------------------------------------------------------------------- who may


def test_organiser_sees_the_template_page_with_its_preview(world):
    response = client_of(world.organiser).get(page_url(world))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="layout_html"' in page and 'name="seal_image"' in page
    assert preview_url(world, "png").replace("&", "&amp;") in page
    assert preview_url(world, "pdf") in page
    assert "hoithi-fields" in page  # how to write an own layout, with the built-in ones


@pytest.mark.parametrize("who", ["secretary", "judge", "representative", "outsider_judge"])
def test_only_organisers_reach_the_template_and_its_previews(world, who):
    user = {
        "secretary": world.secretary,
        "judge": world.judges[0],
        "representative": world.representatives[0],
        "outsider_judge": world.outsider_judge,
    }[who]
    client = client_of(user)
    for url in (page_url(world), preview_url(world, "png"), preview_url(world, "pdf")):
        assert client.get(url).status_code == 403, url
    response = client.post(page_url(world), form_data(signer_name="Kẻ Lạ"))
    assert response.status_code == 403
    assert CertificateTemplate.objects.get(contest=world.contest).signer_name == "Trần Văn Bình"


def test_anonymous_visitors_are_sent_to_log_in_and_other_contests_are_not_theirs(world):
    for url in (page_url(world), preview_url(world, "png"), preview_url(world, "pdf")):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    organiser = client_of(world.organiser)
    other = reverse("certificates:template-preview-png", args=[world.other_contest.slug])
    assert organiser.get(other).status_code == 403
    missing = reverse("certificates:template-preview-pdf", args=["no-such-contest"])
    assert organiser.get(missing).status_code == 404


# --------------------------------------------------------------------------- previews

KIND_TEXTS = {
    "prize": "Đã đạt Giải Nhất",
    "participation": "Đã tham gia",
    "judge": "Đã có nhiều đóng góp với vai trò thành viên Ban Giám khảo",
}


@pytest.mark.parametrize("kind", ["prize", "participation", "judge"])
def test_previews_are_a_png_and_a_pdf_of_a_sample_certificate(world, kind):
    client = client_of(world.organiser)
    png = client.get(preview_url(world, "png", kind))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.size == (1123, 794)  # A4 landscape at 96 dpi

    response = client.get(preview_url(world, "pdf", kind))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = pdf_text(pdf)
    for expected in (
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "ĐẢNG ỦY KHỐI CÁC CƠ QUAN THÀNH PHỐ",
        "Số 12-GCN/ĐUK",
        "GIẤY CHỨNG NHẬN",
        services.SAMPLE_RECIPIENT,
        KIND_TEXTS[kind],
        world.contest.name,
        "T/M BAN THƯỜNG VỤ",
        "PHÓ BÍ THƯ",
        "Trần Văn Bình",
    ):
        assert expected in text
    assert all(is_shipped_font(name) and e for name, e in pdf_fonts(pdf))
    assert qr_codes(pdf) == [SAMPLE_URL]


def test_a_contest_without_a_template_has_no_preview_yet(world):
    CertificateTemplate.objects.filter(contest=world.contest).delete()
    client = client_of(world.organiser)
    assert client.get(preview_url(world, "png")).status_code == 404
    page = client.get(page_url(world))
    assert page.status_code == 200 and b"preview.png" not in page.content


# --------------------------------------------------------------------------- saving


def test_organiser_saves_the_template_with_signature_seal_and_own_layout(world):
    client = client_of(world.organiser)
    data = form_data(theme="state", number_suffix="GCN-SNV", layout_html=OWN_LAYOUT)
    data["layout_css"] = OWN_CSS
    response = client.post(page_url(world), data | uploads())
    assert response.status_code == 302, response.content.decode()[:2000]
    template = CertificateTemplate.objects.get(contest=world.contest)
    assert template.theme == "state" and template.layout_html == OWN_LAYOUT.strip()
    assert template.signature_image.name.startswith("certificate-templates/")
    assert template.seal_image.name.startswith("certificate-templates/")

    pdf = client.get(preview_url(world, "pdf")).content
    text = pdf_text(pdf)
    assert "Ban Tổ chức trân trọng chúc mừng" in text  # the own layout
    assert "BÍ THƯ" in text and "Nguyễn Văn Phong" in text
    assert image_count(pdf) == 3  # QR code, signature and seal
    assert qr_codes(pdf) == [SAMPLE_URL]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"layout_html": OWN_LAYOUT.replace("{{ contest_name }}", "{{ contest }}")},
            "layout_html",
            "{{ contest }} is not a HoiThi field",
        ),
        (
            {"layout_html": OWN_LAYOUT.replace("contest_name date_line", "contest_name")},
            "layout_html",
            "{{ date_line }} is used but not declared",
        ),
        (
            {"layout_html": OWN_LAYOUT, "layout_css": "@import url(https://example.org/x.css);"},
            "layout_css",
            "@import is not allowed",
        ),
        ({"layout_css": "p { color: {{ recipient_name }} }"}, "layout_css", "Placeholders are"),
    ],
)
def test_a_bad_layout_is_not_saved_and_the_form_says_why(world, changes, field, message):
    response = client_of(world.organiser).post(page_url(world), form_data(**changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert message.replace("“", "&ldquo;") in response.content.decode() or (
        message in response.content.decode()
    )
    template = CertificateTemplate.objects.get(contest=world.contest)
    assert template.layout_html == "" and template.layout_css == ""
    assert template.signer_name == "Trần Văn Bình"


def test_preview_of_unsaved_input_renders_without_saving(world):
    response = client_of(world.organiser).post(
        page_url(world),
        form_data(theme="state", number_suffix="GCN-SNV", action="preview", kind="judge")
        | uploads(),
    )
    assert response.status_code == 200
    page = response.content.decode()
    png = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    pdf = re.search(r'href="data:application/pdf;base64,([^"]+)"', page)
    assert png and pdf
    assert Image.open(io.BytesIO(base64.b64decode(png.group(1)))).size == (1123, 794)
    pdf = base64.b64decode(pdf.group(1))
    text = pdf_text(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Số: 12/GCN-SNV" in text
    assert KIND_TEXTS["judge"] in text
    assert image_count(pdf) == 3
    template = CertificateTemplate.objects.get(contest=world.contest)
    assert template.theme == "party" and not template.signature_image  # nothing saved


def test_preview_of_an_unsaved_bad_layout_shows_the_problems_and_no_certificate(world):
    response = client_of(world.organiser).post(
        page_url(world), form_data(layout_html="<p>{{ recipient_name }}</p>", action="preview")
    )
    assert response.status_code == 200
    assert "does not declare its fields" in " ".join(response.context["form"].errors["layout_html"])
    assert b"data:image/png;base64" not in response.content


def test_saving_through_the_service_is_for_organisers_and_checks_the_layout(world):
    from config.errors import DomainError, NotAllowed

    template = CertificateTemplate.objects.get(contest=world.contest)
    template.layout_html = OWN_LAYOUT
    with pytest.raises(NotAllowed):
        services.save_certificate_template(template=template, actor=world.judges[1])
    template.layout_css = "@font-face { font-family: X; src: url(x.ttf) }"
    with pytest.raises(DomainError) as refused:
        services.save_certificate_template(template=template, actor=world.organiser)
    assert "layout_css" in refused.value.as_dict()
    template.layout_css = OWN_CSS
    services.save_certificate_template(template=template, actor=world.organiser)
    assert CertificateTemplate.objects.get(contest=world.contest).layout_css == OWN_CSS


# --------------------------------------------------------------------------- issued certificates


def test_issued_certificates_use_the_own_layout_signature_and_seal(published):
    world = published.world
    response = client_of(world.organiser).post(
        page_url(world), form_data(layout_html=OWN_LAYOUT, layout_css=OWN_CSS) | uploads()
    )
    assert response.status_code == 302
    batch = services.request_certificates(contest=world.contest, actor=world.organiser)
    services.render_batch(batch.pk)
    certificate = Certificate.objects.filter(kind="prize").order_by("serial").first()
    pdf = certificate.pdf.read()
    text = pdf_text(pdf)
    assert "Ban Tổ chức trân trọng chúc mừng" in text
    assert certificate.recipient_name in text and "Đã đạt Giải Nhất" in text
    assert image_count(pdf) == 3
    assert qr_codes(pdf) == [services.verification_url(certificate)]


def test_a_bad_layout_stored_another_way_never_produces_a_pdf(published):
    world = published.world
    # Written past the form and the service (a data migration, the admin, a bug): the
    # renderer checks the layout again.
    CertificateTemplate.objects.filter(contest=world.contest).update(
        layout_html=OWN_LAYOUT.replace("{{ signer_name }}", "{{ signer }}")
    )
    batch = services.request_certificates(contest=world.contest, actor=world.organiser)
    with pytest.raises(render.LayoutError, match=r"\{\{ signer \}\}"):
        services.render_batch(batch.pk)
    assert not Certificate.objects.exclude(pdf="").exists()
    batch = CertificateBatch.objects.get(pk=batch.pk)
    assert batch.status == "failed" and "signer" in batch.error
    preview = client_of(world.organiser).get(preview_url(world, "pdf"))
    assert preview.status_code == 409 and b"signer" in preview.content
