"""Documents other than certificates printed as PDF (running orders, minutes): HTML laid out by
WeasyPrint with the fonts shipped in the repository, and nothing fetched from anywhere else."""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

FONT_FAMILY = "Liberation Serif"
_FACES = (
    ("LiberationSerif-Regular.ttf", "normal", "normal"),
    ("LiberationSerif-Bold.ttf", "bold", "normal"),
    ("LiberationSerif-Italic.ttf", "normal", "italic"),
    ("LiberationSerif-BoldItalic.ttf", "bold", "italic"),
)


def font_faces() -> str:
    """@font-face rules for the shipped Liberation Serif (a system font could lack a glyph)."""
    return "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; '
        f'src: url("{(Path(settings.FONTS_DIR) / name).as_uri()}") format("truetype"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for name, weight, style in _FACES
    )


def url_fetcher(url: str, *args, **kwargs):
    """Only data: URIs and the shipped font files may be loaded."""
    from weasyprint import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(unquote(parts.path)).resolve()
        if path.parent == Path(settings.FONTS_DIR).resolve() and path.suffix == ".ttf":
            return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"refusing to fetch {url!r} while printing a document")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=url_fetcher).write_pdf()
