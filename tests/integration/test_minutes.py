"""The minutes (biên bản) of a round: from the published snapshot, ready to be signed."""

import pytest

from contest.templatetags.people import display_name
from tests.pdf import pdf_fonts, pdf_text
from tests.thin_path import client_for

pytestmark = pytest.mark.django_db


def test_the_minutes_record_panel_scores_rule_results_and_prizes(published):
    world = published.world
    url = f"/rounds/{world.final.pk}/minutes.pdf"
    response = client_for(world.secretary).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "BIÊN BẢN" in text
    for judge in world.judges:
        assert display_name(judge) in text
    assert "Mean of judges present" not in text  # in Vietnamese, whoever asks
    for entry in published.entries:
        assert entry.initiative.title in text
    # Judges 2 and 3 gave the first entry 9 on both criteria: 9,00 each (a decimal comma),
    # and 9,00 overall; the head judge, of that entry's unit, gave none.
    assert text.count("9,00") == 3 and "9.00" not in text
    assert "Giải Nhất" in text and "Giải Nhì" in text
    assert "THƯ KÝ" in text and text.count("TRƯỞNG BAN GIÁM KHẢO") == 1  # one panel, one head
    assert all(name.startswith("Liberation") for name, _embedded in pdf_fonts(response.content))

    rankings_page = client_for(world.organiser).get(f"/rounds/{world.final.pk}/rankings/")
    assert 'data-testid="minutes"' in rankings_page.content.decode()
    assert client_for(world.judges[0]).get(url).status_code == 403


def test_no_minutes_before_the_results_are_published(scheduled):
    world = scheduled.world
    response = client_for(world.organiser).get(f"/rounds/{world.final.pk}/minutes.pdf")
    assert response.status_code == 404


def test_results_and_each_judges_sheets_export_to_excel(published):
    import io
    from decimal import Decimal

    import openpyxl

    world = published.world
    url = f"/rounds/{world.final.pk}/results.xlsx"
    response = client_for(world.secretary).get(url)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Tổng hợp", "GK 1", "GK 2", "GK 3"]
    summary = list(book["Tổng hợp"].iter_rows(values_only=True))
    assert summary[0][:3] == ("Thứ hạng", "Đơn vị", "Mô hình")
    assert [row[2] for row in summary[1:]] == [e.initiative.title for e in published.entries]
    assert [Decimal(str(row[-3])) for row in summary[1:]] == [9, 8, 7]
    assert summary[1][-1] == "Giải Nhất"
    # The head judge (first, GK 1) scored nothing; judge 2 (GK 2) scored 9, 8, 7 on both.
    assert list(book["GK 1"].iter_rows(values_only=True))[1:] == []
    judge2 = list(book["GK 2"].iter_rows(values_only=True))
    assert judge2[0][3:5] == ("Nội dung", "Kỹ năng trình bày")
    assert [tuple(Decimal(str(v)) for v in row[3:5]) for row in judge2[1:]] == [
        (9, 9),
        (8, 8),
        (7, 7),
    ]
    assert client_for(world.judges[1]).get(url).status_code == 403


def test_no_results_export_before_publication(scheduled):
    world = scheduled.world
    response = client_for(world.organiser).get(f"/rounds/{world.final.pk}/results.xlsx")
    assert response.status_code == 404
