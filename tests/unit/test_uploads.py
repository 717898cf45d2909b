"""An attachment's type comes from its bytes: a renamed program or a macro document is refused."""

import io
import zipfile

import pytest

from contest.uploads import DOCX, PDF, PPTX, UploadRefused, check_upload, identify


def office_file(*parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        for part in parts:
            package.writestr(part, "<x/>")
    return buffer.getvalue()


def minimal_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_a_pdf_a_docx_and_a_pptx_are_told_apart_by_content():
    assert identify(io.BytesIO(minimal_pdf())) == PDF
    assert identify(io.BytesIO(office_file("word/document.xml"))) == DOCX
    assert identify(io.BytesIO(office_file("ppt/presentation.xml"))) == PPTX


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00\x03" + b"\x00" * 100, b"\x7fELF\x02\x01\x01" + b"\x00" * 100, b"#!/bin/sh\n"],
    ids=["windows-exe", "linux-elf", "script"],
)
def test_a_renamed_program_is_refused_as_a_program(content):
    with pytest.raises(UploadRefused, match="program"):
        check_upload("outline", io.BytesIO(content), len(content))


def test_slides_are_not_accepted_as_the_outline_nor_a_word_file_as_slides():
    slides = office_file("ppt/presentation.xml")
    with pytest.raises(UploadRefused, match="PDF, DOCX"):
        check_upload("outline", io.BytesIO(slides), len(slides))
    word = office_file("word/document.xml")
    with pytest.raises(UploadRefused, match="PDF, PPTX"):
        check_upload("slides", io.BytesIO(word), len(word))


def test_a_document_with_macros_is_refused():
    docm = office_file("word/document.xml", "word/vbaProject.bin")
    with pytest.raises(UploadRefused, match="macros"):
        check_upload("outline", io.BytesIO(docm), len(docm))


def test_a_zip_bomb_is_refused_without_unpacking_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", b"\0" * (301 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(UploadRefused, match="unpacks"):
        check_upload("outline", io.BytesIO(data), len(data))


def test_size_limits_and_empty_files():
    with pytest.raises(UploadRefused, match="empty"):
        check_upload("outline", io.BytesIO(b""), 0)
    with pytest.raises(UploadRefused, match="10 MB"):
        check_upload("outline", io.BytesIO(minimal_pdf()), 10 * 1024 * 1024 + 1)
    assert check_upload("slides", io.BytesIO(minimal_pdf()), 20 * 1024 * 1024).extension == "pdf"


def test_a_plain_zip_or_text_is_not_a_document():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "hello")
    for content in (buffer.getvalue(), "Đề cương".encode()):
        with pytest.raises(UploadRefused, match="Send a PDF"):
            check_upload("outline", io.BytesIO(content), len(content))
