"""The Vietnamese catalogue ships complete and compiled, and the interface speaks it."""

import gettext
import os
import subprocess
import unicodedata
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"


def msgfmt(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["msgfmt", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )


def test_every_message_is_translated_and_none_is_fuzzy():
    result = msgfmt("--statistics", "--check", "-o", "/dev/null", str(PO))
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "translated message" in report
    assert "untranslated" not in report
    assert "fuzzy" not in report


def test_catalogue_is_nfc_and_declares_vietnamese_plural_forms():
    text = PO.read_text(encoding="utf-8")
    assert text == unicodedata.normalize("NFC", text)
    assert '"Language: vi\\n"' in text
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in text
    assert "charset=UTF-8" in text


def test_compiled_catalogue_is_not_older_than_its_source():
    # A checkout writes both files within moments of each other, in either order.
    assert MO.stat().st_mtime >= PO.stat().st_mtime - 2


def test_compiled_catalogue_holds_exactly_what_the_source_says(tmp_path):
    fresh = tmp_path / "django.mo"
    result = msgfmt("-o", str(fresh), str(PO))
    assert result.returncode == 0, result.stderr
    with MO.open("rb") as shipped, fresh.open("rb") as compiled:
        assert gettext.GNUTranslations(shipped)._catalog == (
            gettext.GNUTranslations(compiled)._catalog
        ), "run: python manage.py compilemessages --ignore=.venv"


@pytest.mark.parametrize(
    ("english", "vietnamese"),
    [
        ("Log in", "Đăng nhập"),
        ("Judging", "Chấm thi"),
        ("Submit", "Nộp phiếu"),
        ("Results", "Kết quả"),
        ("Economy", "Kinh tế"),
        ("Culture and society", "Văn hóa - xã hội"),
        ("Defence and security", "Quốc phòng - an ninh"),
        ("Building the political system", "Xây dựng hệ thống chính trị"),
        ("First prize", "Giải Nhất"),
        ("Draw the running order", "Bốc thăm thứ tự thi"),
    ],
)
def test_key_interface_strings_are_vietnamese(english, vietnamese):
    with translation.override("vi"):
        assert _(english) == vietnamese
    with translation.override("en"):
        assert _(english) == english


def test_placeholders_survive_translation():
    with translation.override("vi"):
        assert _("Reason: %(reason)s") % {"reason": "trùng tên"} == "Lý do: trùng tên"


@pytest.mark.django_db
def test_home_page_speaks_vietnamese_to_a_vietnamese_browser():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đăng nhập" in page
    assert 'lang="vi"' in page


@pytest.mark.django_db
def test_home_page_speaks_english_to_an_english_browser():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Log in" in response.content.decode()
