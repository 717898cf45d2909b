"""Who downloads which certificate (issue 5, point 6): a presenter their own, a unit
representative their unit's, organisers all; anyone else is told it does not exist. Files carry
a Vietnamese name (RFC 5987) and headers that keep them private."""

import io
import unicodedata
import zipfile
from urllib.parse import unquote

import pytest
from django.test import Client

from certificates import services
from certificates.models import Certificate
from contest.models import Membership, Role
from tests.world import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(published):
    world = published.world
    batch = services.request_certificates(contest=world.contest, actor=world.organiser)
    services.render_batch(batch.pk)
    return published


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def presenter_of(entry):
    return entry.presenters.get().user


def can_download(user, certificate) -> tuple[int, int]:
    """(HTML page status, API status) of the certificate's download for this user."""
    client = client_for(user)
    return (
        client.get(f"/certificates/{certificate.pk}/download/").status_code,
        client.get(f"/api/certificates/{certificate.pk}/pdf/").status_code,
    )


def test_a_presenter_downloads_only_their_own(issued):
    entries = issued.entries
    own = Certificate.objects.get(entry=entries[0])
    other = Certificate.objects.get(entry=entries[1])
    presenter = presenter_of(entries[0])
    assert can_download(presenter, own) == (200, 200)
    assert can_download(presenter, other) == (404, 404)


def test_a_representative_downloads_their_units_certificates(issued):
    world = issued.world
    ours = Certificate.objects.get(entry=issued.entries[0])
    theirs = Certificate.objects.get(entry=issued.entries[1])
    judge_of_our_unit = Certificate.objects.get(person__user=world.judges[0])
    assert can_download(world.representatives[0], ours) == (200, 200)
    assert can_download(world.representatives[0], judge_of_our_unit) == (200, 200)
    assert can_download(world.representatives[0], theirs) == (404, 404)


def test_organisers_download_all_but_only_of_their_contest(issued):
    world = issued.world
    for certificate in Certificate.objects.all():
        assert can_download(world.organiser, certificate) == (200, 200)
    elsewhere = make_user("organiser-elsewhere")
    Membership.objects.create(contest=world.other_contest, user=elsewhere, role=Role.ORGANISER)
    certificate = Certificate.objects.first()
    assert can_download(elsewhere, certificate) == (404, 404)


def test_judges_and_secretaries_download_only_their_own(issued):
    world = issued.world
    own = Certificate.objects.get(person__user=world.judges[1])
    assert can_download(world.judges[1], own) == (200, 200)
    for user in (world.judges[1], world.secretary, world.outsider_judge):
        for certificate in Certificate.objects.exclude(person__user=user):
            assert can_download(user, certificate) == (404, 404)


def test_anonymous_visitors_get_nothing(issued):
    certificate = Certificate.objects.first()
    anonymous = Client()
    response = anonymous.get(f"/certificates/{certificate.pk}/download/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert anonymous.get(f"/api/certificates/{certificate.pk}/pdf/").status_code == 403
    response = anonymous.get(f"/contests/{issued.world.contest.slug}/certificates/zip/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_revoked_and_missing_certificates_are_not_found(issued):
    world = issued.world
    certificate = Certificate.objects.get(entry=issued.entries[0])
    services.revoke_certificate(certificate=certificate, actor=world.organiser, reason="Sai tên")
    assert can_download(world.organiser, certificate) == (404, 404)
    assert can_download(presenter_of(issued.entries[0]), certificate) == (404, 404)
    missing = Certificate.objects.order_by("-pk").first().pk + 1
    assert client_for(world.organiser).get(f"/api/certificates/{missing}/pdf/").status_code == 404


def test_a_pdf_lost_from_storage_is_not_found_and_logged(issued, caplog):
    certificate = Certificate.objects.get(entry=issued.entries[0])
    certificate.pdf.storage.delete(certificate.pdf.name)
    organiser = issued.world.organiser
    with caplog.at_level("ERROR", logger="certificates.downloads"):
        assert can_download(organiser, certificate) == (404, 404)
        archive = zip_of(
            client_for(organiser).get(f"/contests/{issued.world.contest.slug}/certificates/zip/")
        )
    assert "is missing from storage" in caplog.text and certificate.pdf.name in caplog.text
    # The ZIP holds every other certificate, whole, instead of breaking off at the lost one.
    others = Certificate.objects.exclude(pk=certificate.pk).count()
    assert others > 0 and len(archive.namelist()) == others and archive.testzip() is None


def test_a_pdf_is_an_attachment_named_in_vietnamese(issued):
    certificate = Certificate.objects.select_related("prize").get(entry=issued.entries[0])
    response = client_for(issued.world.organiser).get(f"/certificates/{certificate.pk}/download/")
    assert certificate.recipient_name == "Nguyễn Văn Thứ0"
    assert response["Content-Disposition"] == (
        'attachment; filename="001 - Nguyen Van Thu0 - Giai Nhat.pdf"; '
        "filename*=UTF-8''001%20-%20Nguy%E1%BB%85n%20V%C4%83n%20Th%E1%BB%A90%20-%20"
        "Gi%E1%BA%A3i%20Nh%E1%BA%A5t.pdf"
    )
    assert unquote(response["Content-Disposition"].split("''")[1]) == (
        unicodedata.normalize("NFC", "001 - Nguyễn Văn Thứ0 - Giải Nhất.pdf")
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == certificate.pdf.read()


def zip_of(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        "filename*=UTF-8''Gi%E1%BA%A5y%20ch%E1%BB%A9ng%20nh%E1%BA%ADn"
        in (response["Content-Disposition"])
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return archive


def test_organisers_download_everything_as_a_zip_by_unit(issued):
    world = issued.world
    slug = world.contest.slug
    revoked = Certificate.objects.get(entry=issued.entries[2])
    services.revoke_certificate(certificate=revoked, actor=world.organiser, reason="Rút")
    archive = zip_of(client_for(world.organiser).get(f"/contests/{slug}/certificates/zip/"))
    names = archive.namelist()
    valid = Certificate.objects.filter(revoked_at__isnull=True).select_related("prize", "unit")
    assert len(names) == valid.count() == 5
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    first = valid.get(entry=issued.entries[0])
    path = f"Đảng bộ cơ quan Sở Nội vụ/001 - {first.recipient_name} - Giải Nhất.pdf"
    assert path in names and archive.read(path) == first.pdf.read()
    assert "Đảng bộ cơ quan Sở Nội vụ/001 - 1 Giám khảo - Giám khảo.pdf" in names
    assert {name.split("/")[0] for name in names} == {
        "Đảng bộ cơ quan Sở Nội vụ",
        "Đảng bộ Sở Tài chính",
        "Giám khảo",  # judges of no unit
    }
    assert not any(revoked.recipient_name in name for name in names)
    # The API serves the same archive.
    api = zip_of(client_for(world.organiser).get(f"/api/contests/{slug}/certificates/zip/"))
    assert api.namelist() == names


def test_a_representative_downloads_their_units_zip_and_others_none(issued):
    world = issued.world
    url = f"/contests/{world.contest.slug}/certificates/zip/"
    archive = zip_of(client_for(world.representatives[1]).get(url))
    assert [name.split("/")[0] for name in archive.namelist()] == ["Đảng bộ Sở Tài chính"]
    for user in (presenter_of(issued.entries[0]), world.judges[1], world.secretary):
        assert client_for(user).get(url).status_code == 404


def test_contest_pages_and_lists_are_for_organisers_and_representatives(issued):
    world = issued.world
    slug = world.contest.slug
    listed = client_for(world.representatives[0]).get(f"/api/contests/{slug}/certificates/")
    assert {c["unit"] for c in listed.json()["results"]} == {"Đảng bộ cơ quan Sở Nội vụ"}
    page = client_for(world.representatives[0]).get(f"/contests/{slug}/certificates/")
    assert page.status_code == 200 and "data-batch-progress" not in page.content.decode()
    for user in (presenter_of(issued.entries[0]), world.judges[1], None):
        client = client_for(user)
        assert client.get(f"/contests/{slug}/certificates/").status_code in (302, 404)
        assert client.get(f"/api/contests/{slug}/certificates/").status_code in (403, 404)
    assert client_for(world.judges[1]).get(f"/contests/{slug}/certificates/").status_code == 404
    assert client_for(world.judges[1]).get(f"/api/contests/{slug}/certificates/").status_code == 404


def test_file_names_are_safe_but_keep_diacritics():
    from certificates.downloads import safe_name

    assert safe_name("Chi bộ 1/2: “Phòng” *Tổ chức*. ") == "Chi bộ 1-2- “Phòng” -Tổ chức-"
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    assert safe_name(decomposed) == "Nguyễn" and unicodedata.is_normalized(
        "NFC", safe_name(decomposed)
    )
    assert safe_name("..") == "-"
