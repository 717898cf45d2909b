"""Certificates as files: readable Vietnamese file names, the attachment header, and the ZIP of a
contest's certificates, one folder per unit, written as it is sent."""

import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone

from certificates.models import Certificate
from config.downloads import as_attachment

logger = logging.getLogger(__name__)

JUDGES_FOLDER = "Giám khảo"
OTHERS_FOLDER = "Khác"
KIND_LABELS = {
    Certificate.Kind.PARTICIPATION: "Tham gia",
    Certificate.Kind.JUDGE: "Giám khảo",
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_COPY_BUFFER = 64 * 1024


def safe_name(text: str, limit: int = 120) -> str:
    """Text fit for a file or folder name on any system, diacritics kept (NFC): no path
    separators, reserved or control characters, no leading or trailing dots and spaces."""
    text = _UNSAFE.sub("-", unicodedata.normalize("NFC", text))
    text = " ".join(text.split())[:limit]
    return text.strip(" .") or "-"


def file_name(certificate: Certificate) -> str:
    """e.g. "001 - Nguyễn Văn An - Giải Nhất.pdf"."""
    label = certificate.prize.name if certificate.prize_id else KIND_LABELS[certificate.kind]
    return safe_name(f"{certificate.serial:03d} - {certificate.recipient_name} - {label}") + ".pdf"


def folder_name(certificate: Certificate) -> str:
    if certificate.unit_id:
        return safe_name(certificate.unit.name)
    return JUDGES_FOLDER if certificate.kind == Certificate.Kind.JUDGE else OTHERS_FOLDER


def open_pdf(certificate: Certificate):
    """The certificate's PDF opened for reading, or None when its file is lost from storage:
    an error in the log for whoever runs the site (restore it from a backup), never a 500."""
    try:
        return certificate.pdf.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: no file recorded at all
        logger.error(
            "certificate %s (%s): its PDF %r is missing from storage",
            certificate.pk,
            certificate.serial,
            certificate.pdf.name,
        )
        return None


def pdf_response(certificate: Certificate) -> FileResponse:
    pdf = open_pdf(certificate)
    if pdf is None:
        raise Http404("This certificate's file is missing.")
    return as_attachment(FileResponse(pdf, content_type="application/pdf"), file_name(certificate))


def zip_response(certificates: Iterable[Certificate], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(zip_stream(certificates), content_type="application/zip")
    return as_attachment(response, name)


class _Sink:
    """Where zipfile writes: bytes collected until the stream takes them. Not seekable, so
    zipfile writes each member's sizes after its data."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def zip_stream(certificates: Iterable[Certificate]) -> Iterator[bytes]:
    """The certificates' PDFs as one ZIP (stored: PDFs are compressed already), folder by
    unit, produced a piece at a time so that thousands never sit in memory at once."""
    sink = _Sink()
    used: set[str] = set()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            path = f"{folder_name(certificate)}/{file_name(certificate)}"
            stem, number = path[: -len(".pdf")], 2
            while path in used:
                path, number = f"{stem} ({number}).pdf", number + 1
            used.add(path)
            when = timezone.localtime(certificate.rendered_at or timezone.now())
            info = zipfile.ZipInfo(path, date_time=when.timetuple()[:6])
            source = open_pdf(certificate)
            if source is None:
                continue  # the rest of the archive is still worth having; the log says which
            with source, archive.open(info, "w") as target:
                while chunk := source.read(_COPY_BUFFER):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
