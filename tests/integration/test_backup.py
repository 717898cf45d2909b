"""Backups (issue 9, point 5): `manage.py backup` and `manage.py restore` bring back the same
published results and the same certificates, byte for byte, into a wiped instance; a restore
that should not happen is refused with one line and writes nothing.

The restores that must commit run with real transactions (`transaction=True`); the refusals
need none, since nothing gets as far as writing."""

import gzip
import hashlib
import io
import json
import re
import shutil
import tarfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.test import Client

from certificates import services as certificate_services
from certificates.models import Certificate, CertificateBatch
from config import backups
from contest import services as contest_services
from contest.models import Contest, Unit
from tests.unit.test_uploads import minimal_pdf
from tests.world import build_world, make_user

RESULTS_API = "/api/public/contests/{slug}/results/"
CSRF_TOKEN = re.compile(rb'(?<=name="csrfmiddlewaretoken" value=")[^"]+')


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def media_files() -> dict[str, bytes]:
    root = media_root()
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def public_pages(slug: str) -> dict[str, bytes]:
    """What anyone sees of the contest's results and certificates."""
    anonymous = Client()
    pages = {
        "api": anonymous.get(RESULTS_API.format(slug=slug)),
        "page": anonymous.get(f"/results/{slug}/", HTTP_ACCEPT_LANGUAGE="vi"),
        "board": anonymous.get(f"/board/{slug}/"),
    }
    for certificate in Certificate.objects.order_by("pk"):
        code = certificate.verification_code
        pages[f"verify {certificate.serial}"] = anonymous.get(f"/verify/{code}/")
    assert {name: response.status_code for name, response in pages.items()} == dict.fromkeys(
        pages, 200
    )
    # The one thing that differs between two requests: the CSRF token, masked anew each time.
    return {name: CSRF_TOKEN.sub(b"", response.content) for name, response in pages.items()}


def certificate_records() -> list[tuple]:
    return list(
        Certificate.objects.order_by("pk").values_list(
            "pk", "kind", "serial", "verification_code", "sha256", "pdf", "person__full_name"
        )
    )


def downloads(username: str) -> dict[int, bytes]:
    """Every certificate's PDF as its download sends it, to the contest's organiser."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    pdfs = {}
    for pk in Certificate.objects.order_by("pk").values_list("pk", flat=True):
        response = client.get(f"/certificates/{pk}/download/")
        assert response.status_code == 200
        pdfs[pk] = b"".join(response.streaming_content)
        response.close()
    return pdfs


def row_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model._base_manager.count() for model in backups.backed_up_models()
    }


def restore_leftovers() -> list[str]:
    return sorted(p.name for p in media_root().parent.glob(".hoithi-restore-*"))


def backup(path: Path) -> str:
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    return out.getvalue()


def restore(path: Path, *options: str) -> str:
    out = io.StringIO()
    call_command("restore", str(path), *options, stdout=out)
    return out.getvalue()


def wipe() -> None:
    """What a lost server leaves: a freshly migrated, empty database and no files."""
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media_root(), ignore_errors=True)


def issue_certificates(published) -> None:
    world = published.world
    certificate_services.request_certificates(contest=world.contest, actor=world.organiser)
    # Committed at once (transaction=True): the eager task has rendered every PDF.
    assert Certificate.objects.exists()
    assert not Certificate.objects.filter(pdf="").exists()


@pytest.mark.django_db(transaction=True)
def test_a_restored_instance_shows_the_same_results_and_certificates(
    published, eager_celery, tmp_path, artifacts_dir
):
    world = published.world
    slug = world.contest.slug
    issue_certificates(published)
    contest_services.attach_file(
        entry=published.entries[0],
        kind="outline",
        upload=SimpleUploadedFile("Đề cương.pdf", minimal_pdf()),
        actor=world.organiser,
    )
    pages, records = public_pages(slug), certificate_records()
    pdfs, files, counts = downloads("organiser"), media_files(), row_counts()
    largest_pk = {
        model: model.objects.order_by("-pk").values_list("pk", flat=True).first()
        for model in (Unit, get_user_model(), CertificateBatch, Certificate)
    }

    archive = tmp_path / "backups" / "hoithi.tar.gz"
    started = time.perf_counter()
    backup(archive)
    backup_seconds = time.perf_counter() - started
    wipe()
    assert not Contest.objects.exists() and not media_files()

    started = time.perf_counter()
    output = restore(archive)
    restore_seconds = time.perf_counter() - started

    assert row_counts() == counts
    assert media_files() == files
    assert certificate_records() == records  # serials, codes and checksums unchanged
    assert public_pages(slug) == pages  # results API, page, board and every /verify/ page
    assert downloads("organiser") == pdfs
    for certificate in Certificate.objects.all():
        assert hashlib.sha256(pdfs[certificate.pk]).hexdigest() == certificate.sha256
    assert b"This certificate is genuine." in pages[f"verify {records[0][2]}"]

    # New rows take new keys (sequences were reset past the restored rows), and issuing
    # again finds the certificates already issued: the same serials, no new ones.
    unit = Unit.objects.create(
        code="unit-new",
        name="Đảng bộ mới",
        level=Unit.Level.GRASSROOTS,
        parent=Unit.objects.get(code="duk"),
    )
    user = make_user("after-restore")
    organiser = get_user_model().objects.get(username="organiser")
    contest = Contest.objects.get(slug=slug)
    batch = certificate_services.request_certificates(contest=contest, actor=organiser)
    assert unit.pk > largest_pk[Unit] and user.pk > largest_pk[get_user_model()]
    assert batch.pk > largest_pk[CertificateBatch]
    assert certificate_records() == records

    manifest = json.loads(tarfile.open(archive).extractfile(backups.MANIFEST).read())
    figures = {
        "rows": sum(manifest["rows"].values()),
        "models_with_rows": sum(1 for count in manifest["rows"].values() if count),
        "files": len(manifest["files"]),
        "file_bytes": sum(item["size"] for item in manifest["files"]),
        "certificates": len(records),
        "archive_bytes": archive.stat().st_size,
        "backup_s": round(backup_seconds, 2),
        "restore_s": round(restore_seconds, 2),
        "database": connection.vendor,
    }
    assert (
        f"Restored {figures['rows']} rows" in output and f"and {figures['files']} files" in output
    )
    (artifacts_dir / f"backup-{connection.vendor}.json").write_text(json.dumps(figures, indent=2))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_sequence_is_past_the_restored_rows_on_postgresql(tmp_path):
    build_world()
    archive = tmp_path / "hoithi.tar.gz"
    backup(archive)
    wipe()  # flush restarts every sequence at 1
    restore(archive)
    behind = {}
    with connection.cursor() as cursor:
        for model in backups.backed_up_models():
            pk = model._meta.pk
            if not isinstance(pk, models.AutoField):
                continue
            largest = model._base_manager.aggregate(largest=models.Max("pk"))["largest"]
            if largest is None:
                continue
            cursor.execute(
                "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, %s))",
                [model._meta.db_table, pk.column],
            )
            (last,) = cursor.fetchone()
            if last is None or last < largest:
                behind[model._meta.label_lower] = (last, largest)
    assert behind == {}


# Refusals --------------------------------------------------------------------------------


@pytest.fixture
def archive(db, tmp_path) -> Path:
    """A backup of a small world with two files under MEDIA_ROOT."""
    build_world()
    default_storage.save("certificate-templates/seal.png", ContentFile(b"seal image bytes"))
    default_storage.save("entries/1/outline-abc.pdf", ContentFile(minimal_pdf()))
    path = tmp_path / "hoithi.tar.gz"
    backup(path)
    return path


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def write_archive(path: Path, contents: dict[str, bytes], links: dict[str, str] = {}) -> Path:  # noqa: B006
    with tarfile.open(path, "w:gz") as tar:
        for name, body in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
        for name, target in links.items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return path


def with_manifest(contents: dict[str, bytes], change) -> dict[str, bytes]:
    """The archive's members, the manifest changed by change(manifest) and written last."""
    manifest = json.loads(contents.pop(backups.MANIFEST))
    change(manifest)
    return {**contents, backups.MANIFEST: json.dumps(manifest).encode()}


def refused(path: Path, *options: str) -> str:
    """The restore's one-line refusal, having checked that it changed nothing."""
    before = (row_counts(), media_files())
    with pytest.raises(CommandError) as refusal:
        restore(path, *options)
    assert (row_counts(), media_files()) == before
    assert restore_leftovers() == []
    message = str(refusal.value)
    assert "\n" not in message
    return message


def test_a_database_with_data_is_not_restored_over_without_force(archive):
    assert "the database is not empty" in refused(archive)


@pytest.mark.django_db(transaction=True)  # PostgreSQL truncates only committed rows
def test_files_in_media_root_are_not_restored_over_without_force(archive):
    call_command("flush", interactive=False, verbosity=0)
    assert "MEDIA_ROOT" in refused(archive)


def test_a_file_that_does_not_match_its_checksum_is_refused_even_with_force(archive, tmp_path):
    contents = members(archive)
    contents["media/certificate-templates/seal.png"] = b"another seal"
    tampered = write_archive(tmp_path / "tampered.tar.gz", contents)
    message = refused(tampered, "--force")
    assert "media/certificate-templates/seal.png does not match its checksum" in message


def test_rows_that_do_not_match_their_checksum_are_refused(archive, tmp_path):
    contents = members(archive)
    contents[backups.DATA] = contents[backups.DATA].replace(b"khoi-2019", b"khoi-2020")
    tampered = write_archive(tmp_path / "tampered.tar.gz", contents)
    assert "data.json does not match its checksum" in refused(tampered, "--force")


def test_a_file_missing_from_the_archive_is_refused(archive, tmp_path):
    contents = members(archive)
    del contents["media/entries/1/outline-abc.pdf"]
    cut = write_archive(tmp_path / "cut.tar.gz", contents)
    assert "differ from its manifest" in refused(cut, "--force")


@pytest.mark.parametrize(
    "name",
    [
        "media/../../escaped.txt",
        "media/entries/../../../escaped.txt",
        "../escaped.txt",
        "/tmp/escaped.txt",
        "media//escaped.txt",
        "escaped.txt",
    ],
)
def test_a_member_that_would_land_outside_media_root_is_refused(archive, tmp_path, name):
    def listed(manifest):
        manifest["files"].append({"path": name.removeprefix("media/"), "size": 3, "sha256": ""})

    contents = with_manifest(members(archive), listed)
    evil = write_archive(tmp_path / "evil.tar.gz", {name: b"bad", **contents})
    message = refused(evil, "--force")
    assert "unsafe member name" in message or "unexpected member" in message
    assert not list(tmp_path.rglob("escaped.txt")) and not Path("/tmp/escaped.txt").exists()


def test_a_link_in_the_archive_is_refused(archive, tmp_path):
    evil = write_archive(
        tmp_path / "evil.tar.gz", members(archive), links={"media/passwd": "/etc/passwd"}
    )
    assert "is not a regular file" in refused(evil, "--force")


@pytest.mark.parametrize(
    "garbage",
    ["random bytes", "gzip of text", "cut in half", "no manifest", "other json"],
)
def test_what_is_not_a_whole_backup_is_refused(archive, tmp_path, garbage):
    path = tmp_path / "garbage.tar.gz"
    if garbage == "random bytes":
        path.write_bytes(bytes(range(256)) * 40)
    elif garbage == "gzip of text":
        path.write_bytes(gzip.compress(b"not a tar archive at all\n" * 100))
    elif garbage == "cut in half":
        body = archive.read_bytes()
        path.write_bytes(body[: len(body) // 2])
    elif garbage == "no manifest":
        contents = members(archive)
        del contents[backups.MANIFEST]
        write_archive(path, contents)
    else:
        write_archive(path, {**members(archive), backups.MANIFEST: b'{"format": "other"}'})
    message = refused(path, "--force")
    assert "not a HoiThi backup" in message or "corrupt" in message


def test_a_backup_of_other_migrations_is_refused(archive, tmp_path):
    def newer(manifest):
        manifest["migrations"]["contest"].append("9999_from_the_future")

    other = write_archive(tmp_path / "newer.tar.gz", with_manifest(members(archive), newer))
    message = refused(other, "--force")
    assert "migrations do not match" in message and "contest.9999_from_the_future" in message


@pytest.mark.django_db(transaction=True)
def test_a_restore_failing_halfway_leaves_the_old_data_and_files(tmp_path, monkeypatch):
    build_world()
    default_storage.save("a/first.txt", ContentFile(b"first, as backed up"))
    default_storage.save("b/second.txt", ContentFile(b"second, as backed up"))
    archive = tmp_path / "hoithi.tar.gz"
    backup(archive)
    # After the backup: a renamed contest, a new unit and a changed file.
    Contest.objects.filter(slug="khoi-2019").update(name="Renamed after the backup")
    Unit.objects.create(code="after", name="Created after the backup", level=Unit.Level.CITY)
    (media_root() / "a" / "first.txt").write_bytes(b"first, changed since")
    shutil.rmtree(media_root() / "b")

    installed = []
    real_install = backups._FileInstall.install

    def disk_full_on_the_second_file(self, parts):
        if installed:
            raise OSError(28, "No space left on device")
        installed.append(parts)
        real_install(self, parts)

    monkeypatch.setattr(backups._FileInstall, "install", disk_full_on_the_second_file)
    message = refused(archive, "--force")
    assert "No space left on device" in message
    assert installed == [["a", "first.txt"]]  # one file was moved in, then put back
    assert Contest.objects.get(slug="khoi-2019").name == "Renamed after the backup"
    assert Unit.objects.filter(code="after").exists()
    assert media_files() == {"a/first.txt": b"first, changed since"}

    monkeypatch.undo()
    restore(archive, "--force")
    assert Contest.objects.get(slug="khoi-2019").name != "Renamed after the backup"
    assert not Unit.objects.filter(code="after").exists()
    assert media_files() == {
        "a/first.txt": b"first, as backed up",
        "b/second.txt": b"second, as backed up",
    }
