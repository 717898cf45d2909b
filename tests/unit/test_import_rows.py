"""Reading an import spreadsheet: every bad cell is reported on its row and column, formulas are
refused and never evaluated, numbers and Vietnamese text come out as people typed them, and a
file that is not an .xlsx workbook is refused by its bytes."""

import io
import unicodedata
import zipfile

import openpyxl
import pytest

from contest import imports

ENTRIES = imports.import_kind("entries")
UNITS = imports.import_kind("units")
ENTRY_HEADER = ["Mã đơn vị", "Tên mô hình", "Lĩnh vực", "Loại hình", "Năm bắt đầu"]
ENTRY_HEADER += ["Báo cáo viên 1 - Họ và tên", "Báo cáo viên 1 - Email"]


def xlsx(*rows, title_rows=()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (*title_rows, *rows):
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(kind, *rows, **options) -> imports.Table:
    return imports.read_table(kind, xlsx(*rows, **options))


def problems_of(table) -> set[tuple]:
    found = {(p.row, p.column, p.letter) for row in table.rows for p in row.problems}
    return found | {(p.row, p.column, p.letter) for p in table.problems}


def test_each_bad_cell_is_reported_with_its_row_and_column():
    table = read(
        ENTRIES,
        ENTRY_HEADER,
        ["unit-1", "Mô hình tốt", "Kinh tế", "Cá nhân", 2019, "Nguyễn Văn An", "an@example.org"],
        ["unit-1", "Mô hình hai", "Nông nghiệp", "Cá nhân", "năm ngoái", "Lê Thị Bình", "sai"],
        ["unit 1!", "", "Kinh tế", "Nhóm", 2019, "", ""],
    )
    assert [row.number for row in table.rows] == [2, 3, 4]
    assert table.rows[0].problems == []
    assert problems_of(table) == {
        (3, "Lĩnh vực", "C"),
        (3, "Năm bắt đầu", "E"),
        (3, "Báo cáo viên 1 - Email", "G"),
        (4, "Mã đơn vị", "A"),
        (4, "Tên mô hình", "B"),
        (4, "Loại hình", "D"),
        (4, "Báo cáo viên 1 - Họ và tên", "F"),
    }
    messages = {(p.row, p.column): p.message for row in table.rows for p in row.problems}
    assert "Nông nghiệp" in messages[(3, "Lĩnh vực")]
    assert "Economy" in messages[(3, "Lĩnh vực")]  # the accepted values are listed
    assert messages[(4, "Tên mô hình")] == "This cell is required."


def test_a_formula_is_refused_and_never_evaluated():
    table = read(
        ENTRIES,
        ENTRY_HEADER,
        ["unit-1", '=CONCAT("Mô ", "hình")', "Kinh tế", "Cá nhân", "=2000+19", "An", ""],
    )
    (row,) = table.rows
    formulas = {p.column: p.message for p in row.problems}
    assert set(formulas) == {"Tên mô hình", "Năm bắt đầu"}
    assert all("formula" in message for message in formulas.values())
    assert "initiative_title" not in row.values


def test_text_starting_with_an_equals_sign_is_refused_but_a_phone_number_with_plus_is_not():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Họ và tên", "Điện thoại"])
    sheet.append(["x", "+84 912 345 678"])
    cell = sheet.cell(2, 1, '=HYPERLINK("http://evil.example","Bấm")')
    cell.data_type = "s"  # stored as text, as our own exports store such names
    buffer = io.BytesIO()
    book.save(buffer)
    (row,) = imports.read_table(imports.import_kind("judges"), buffer.getvalue()).rows
    assert [(p.column, p.message) for p in row.problems] == [
        ("Họ và tên", "A value may not start with “=”.")
    ]
    assert row.values["phone"] == "+84 912 345 678"


def test_numbers_come_out_as_typed_and_text_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hằng")
    table = read(
        ENTRIES,
        [*ENTRY_HEADER, "Báo cáo viên 1 - Điện thoại"],
        [" unit-1 ", "  Mô   hình  ", "Kinh tế", "Cá nhân", 2019.0, decomposed, "", 912345678.0],
    )
    (row,) = table.rows
    assert row.problems == []
    assert row.values["initiative_year"] == 2019
    assert row.values["unit"] == "unit-1"
    assert row.values["initiative_title"] == "Mô hình"
    assert row.values["presenter_1_name"] == "Nguyễn Thị Hằng"
    assert unicodedata.is_normalized("NFC", row.values["presenter_1_name"])
    assert row.values["presenter_1_phone"] == "912345678"
    assert row.values["presenter_1_email"] == ""


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Kinh tế", "economy"),
        ("KINH TẾ", "economy"),
        ("Văn hóa - xã hội", "culture_society"),
        ("Văn hoá – xã hội", "culture_society"),  # the old tone placement, an en dash
        ("culture_society", "culture_society"),
        ("Culture and society", "culture_society"),
        ("Quốc phòng - an ninh", "defence_security"),
        ("Xây dựng hệ thống chính trị", "political_system"),
    ],
)
def test_fields_are_read_from_vietnamese_labels_english_labels_and_codes(typed, code):
    parsed, problem = imports.parse_cell(ENTRIES.column("field"), typed)
    assert problem is None
    assert parsed == code


@pytest.mark.parametrize(
    ("column", "typed", "code"),
    [
        ("kind", "Tập thể", "collective"),
        ("kind", "cá nhân", "individual"),
        ("kind", "Individual", "individual"),
    ],
)
def test_kinds_are_read_in_either_language(column, typed, code):
    assert imports.parse_cell(ENTRIES.column(column), typed) == (code, None)


def test_roles_and_unit_levels_are_read_from_their_vietnamese_names():
    judges = imports.import_kind("judges")
    assert imports.parse_cell(judges.column("role"), "Trưởng ban giám khảo")[0] == "head_judge"
    assert imports.parse_cell(judges.column("role"), "giám khảo")[0] == "judge"
    assert imports.parse_cell(UNITS.column("level"), "Tổ chức cơ sở")[0] == "grassroots"
    assert imports.parse_cell(UNITS.column("kind"), "Chi bộ cơ sở")[0] == "party_cell"
    assert imports.parse_cell(UNITS.column("kind"), "")[0] == ""


def test_english_headers_are_accepted_and_a_title_above_the_header_is_skipped():
    table = read(
        ENTRIES,
        ["Unit code", "Initiative title", "Field", "Kind", "Presenter 1 full name", "Ghi chú"],
        ["unit-2", "Mô hình", "economy", "collective", "Trần Văn Cường", "một ghi chú"],
        title_rows=[["Danh sách bài dự thi"], []],
    )
    (row,) = table.rows
    assert row.number == 4
    assert row.problems == []
    assert row.values["unit"] == "unit-2"
    assert row.values["initiative_year"] is None  # not given: the contest's year
    assert table.ignored_columns == ["Ghi chú"]


def test_a_missing_required_column_is_named():
    table = read(ENTRIES, ["Mã đơn vị", "Tên mô hình", "Loại hình"], ["unit-1", "x", "Tập thể"])
    assert table.rows == []
    missing = {p.column for p in table.problems}
    assert missing == {"Lĩnh vực", "Báo cáo viên 1 - Họ và tên"}
    assert all(p.row is None and "missing" in p.message for p in table.problems)


def test_blank_rows_are_skipped_and_the_row_limit_holds(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    row = ["unit-1", "Mô hình", "Kinh tế", "Cá nhân", 2019, "An", ""]
    table = read(ENTRIES, ENTRY_HEADER, row, [], [None, ""], row)
    assert [r.number for r in table.rows] == [2, 5]
    table = read(ENTRIES, ENTRY_HEADER, row, row, row)
    assert [p.row for p in table.problems] == [4]
    assert "more than 2 rows" in table.problems[0].message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ\x90\x00" + bytes(200), "program"),
        (b"\x7fELF\x02\x01\x01" + bytes(200), "program"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), ".xls"),
        (bytes(range(256)) * 4, "not an Excel workbook"),
        (b"Ho va ten,Email\nAn,an@example.org\n", "not an Excel workbook"),
        (b"PK\x03\x04" + bytes(100), "damaged"),
        (b"", "empty"),
    ],
)
def test_what_is_not_an_xlsx_workbook_is_refused_by_its_bytes(content, message):
    with pytest.raises(imports.SpreadsheetRefused, match=message):
        imports.read_table(ENTRIES, imports.read_upload(content))


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


def test_word_documents_macro_workbooks_and_zip_bombs_are_refused(monkeypatch):
    docx = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})
    with pytest.raises(imports.SpreadsheetRefused, match="not an Excel workbook"):
        imports.check_xlsx(docx)
    xlsm = _zip(
        {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>", "xl/vbaProject.bin": b"1"}
    )
    with pytest.raises(imports.SpreadsheetRefused, match="macros"):
        imports.check_xlsx(xlsm)
    monkeypatch.setattr(imports, "MAX_UNPACKED", 1000)
    bomb = _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b" " * 5000})
    with pytest.raises(imports.SpreadsheetRefused, match="unpacks"):
        imports.check_xlsx(bomb)


def test_a_damaged_workbook_and_an_empty_sheet_are_refused_clearly():
    fake = _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<not a workbook"})
    with pytest.raises(imports.SpreadsheetRefused, match="damaged"):
        imports.read_table(ENTRIES, fake)
    with pytest.raises(imports.SpreadsheetRefused, match="empty"):
        imports.read_table(ENTRIES, xlsx())
    with pytest.raises(imports.SpreadsheetRefused, match="column names"):
        imports.read_table(ENTRIES, xlsx(["Họ tên", "Ngày sinh"], ["An", "1/1/1990"]))


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_SIZE", 100)
    with pytest.raises(imports.SpreadsheetRefused, match="larger than"):
        imports.read_upload(io.BytesIO(bytes(101)))
