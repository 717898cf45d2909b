"""What an uploaded file really is, judged by its bytes: never by its name or the browser's word.

A unit sends its written outline as PDF or Word (.docx) and its slides as PDF or PowerPoint
(.pptx). A program renamed "de-cuong.pdf" must be refused, and so must a .docm whose macros
would run on the organiser's laptop. Office files are ZIP packages: the package's own parts
say which application it belongs to, and its directory says how large it would unpack to.
"""

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

PDF = ("application/pdf", "pdf")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
PPTX = ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")

MEGABYTE = 1024 * 1024
# What each kind of attachment may be, and how large.
ACCEPTED = {
    "outline": ((PDF, DOCX), 10 * MEGABYTE),
    "slides": ((PDF, PPTX), 30 * MEGABYTE),
}
# An Office file unpacking to more than this, or to more parts, is a ZIP bomb, not a document.
MAX_UNPACKED = 300 * MEGABYTE
MAX_PARTS = 10_000

PROGRAM_SIGNATURES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")


class UploadRefused(ValueError):
    pass


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str


def _office_type(data) -> tuple[str, str] | None:
    try:
        package = zipfile.ZipFile(data)
        parts = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED:
        raise UploadRefused(_("This file unpacks to far more than a document would."))
    names = {part.filename for part in parts}
    if "[Content_Types].xml" not in names:
        return None
    if any(name.endswith("vbaProject.bin") for name in names):
        raise UploadRefused(_("Files with macros are not accepted; save it without macros."))
    if "word/document.xml" in names:
        return DOCX
    if "ppt/presentation.xml" in names:
        return PPTX
    return None


def identify(data) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, .docx or .pptx file-like object, else None."""
    data.seek(0)
    head = data.read(8)
    data.seek(0)
    if head.startswith(PROGRAM_SIGNATURES):
        raise UploadRefused(_("This file is a program, not a document."))
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        found = _office_type(data)
        data.seek(0)
        return found
    return None


def check_upload(kind: str, data, size: int) -> FileType:
    """The checked type of an attachment of this kind, or UploadRefused saying why not."""
    accepted, limit = ACCEPTED[kind]
    if size <= 0:
        raise UploadRefused(_("The file is empty."))
    if size > limit:
        raise UploadRefused(
            _("The file is larger than %(limit)d MB.") % {"limit": limit // MEGABYTE}
        )
    found = identify(data if hasattr(data, "seek") else io.BytesIO(data))
    if found not in accepted:
        names = ", ".join(extension.upper() for _type, extension in accepted)
        raise UploadRefused(_("Send a %(types)s file.") % {"types": names})
    return FileType(*found)
