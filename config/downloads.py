"""Files sent as downloads: a Vietnamese file name that every browser keeps, and the headers
that stop a browser from guessing the type or a shared cache from keeping a copy."""

import unicodedata
from urllib.parse import quote


def content_disposition(name: str) -> str:
    """An attachment named in Vietnamese (RFC 5987 filename*), with an ASCII fallback for
    clients that do not read it."""
    name = unicodedata.normalize("NFC", name)
    ascii_name = (
        unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
        .encode("ascii", "ignore")
        .decode()
        .replace("\\", "-")
        .replace('"', "'")
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def as_attachment(response, name: str):
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
