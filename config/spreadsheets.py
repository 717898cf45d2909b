"""Writing spreadsheets that are safe to open: nothing a user typed becomes a formula.

Excel, LibreOffice and Google Sheets run a cell that starts with "=", "+", "-" or "@" (and,
after a tab or a carriage return, the same) as a formula: a name typed as "=HYPERLINK(...)"
would become a live link in the organiser's results file. Such text is stored as a string cell
with Excel's quote prefix, so it shows as typed and is never evaluated.
"""

import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from config.downloads import as_attachment

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def workbook(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """An .xlsx file of (sheet title, header row, rows); bold, frozen headers; columns sized
    to their contents (up to a limit)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        widths = [len(str(name)) for name in header]
        for number, row in enumerate(rows, start=2):
            # Control characters (pasted from a word processor) cannot be stored in .xlsx.
            sheet.append(
                [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row]
            )
            for column, cell in enumerate(sheet[number]):
                if looks_like_formula(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                if column < len(widths):
                    widths[column] = max(widths[column], len(str(cell.value or "")))
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[sheet.cell(1, column).column_letter].width = min(width + 2, 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, file_name: str) -> HttpResponse:
    return as_attachment(HttpResponse(content, content_type=XLSX_CONTENT_TYPE), file_name)
