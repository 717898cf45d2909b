"""What people take away from the schedule: their own slots and calendar feed, the round's
spreadsheet, the master of ceremonies' running order."""

import io

import icalendar
import openpyxl
import pypdf
import pytest
from django.test import Client
from django.utils import timezone

from contest.models import Person
from scheduling import services
from tests.thin_path import client_for
from tests.world import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def presenter(scheduled):
    """A user who presents the second entry, in a schedule the organiser has published."""
    user = make_user("bcv-thu1", first_name="Thứ1", last_name="Nguyễn Văn")
    Person.objects.filter(entries=scheduled.entries[1]).update(user=user)
    services.publish_schedule(round=scheduled.world.final, actor=scheduled.world.organiser)
    return user


def test_a_presenter_and_a_judge_see_their_own_slots(scheduled, presenter):
    page = client_for(presenter).get("/me/schedule/").content.decode()
    slot = scheduled.session.slots.get(entry=scheduled.entries[1])
    assert "Mô hình số 2" in page
    assert "Mô hình số 1" not in page and "Mô hình số 3" not in page
    assert timezone.localtime(slot.planned_start).strftime("%d/%m/%Y %H:%M") in page

    judge_page = client_for(scheduled.world.judges[1]).get("/me/schedule/").content.decode()
    assert "Chung khảo" in judge_page
    assert f"/judge/sessions/{scheduled.session.pk}/" in judge_page
    assert "Mô hình số" not in judge_page  # presents nothing


def _feed_url(client) -> str:
    page = client.get("/me/schedule/").content.decode()
    start = page.index('data-testid="calendar-url">') + len('data-testid="calendar-url">')
    return page[start : page.index("</code>", start)].replace("http://testserver", "")


def test_the_calendar_feed_holds_the_persons_slots_and_needs_no_login(scheduled, presenter):
    url = _feed_url(client_for(presenter))
    response = Client().get(url)  # a calendar app, not logged in
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    slot = scheduled.session.slots.get(entry=scheduled.entries[1])
    assert len(events) == 1
    (event,) = events
    assert "Mô hình số 2" in str(event["SUMMARY"])
    assert event.decoded("DTSTART") == slot.planned_start
    assert event.decoded("DTEND") == slot.planned_end

    judge_feed = Client().get(_feed_url(client_for(scheduled.world.judges[1])))
    (session_event,) = icalendar.Calendar.from_ical(judge_feed.content).walk("VEVENT")
    assert "Chung khảo" in str(session_event["SUMMARY"])
    assert session_event.decoded("DTSTART") == scheduled.session.starts_at
    last = scheduled.session.slots.order_by("-position").first()
    assert session_event.decoded("DTEND") == last.planned_end

    # A made-up or altered address is simply not found.
    assert Client().get("/calendar/nonsense/feed.ics").status_code == 404
    assert (
        Client().get(url.replace("feed.ics", "").rstrip("/")[:-2] + "xx/feed.ics").status_code
        == 404
    )


def test_the_round_schedule_exports_to_excel_with_formula_like_text_left_as_text(scheduled):
    world = scheduled.world
    initiative = scheduled.entries[2].initiative
    initiative.title = '=HYPERLINK("http://evil.example","Bấm vào đây")'
    initiative.save(update_fields=["title"])
    # A title pasted from a word processor, with a control character .xlsx cannot hold.
    pasted = scheduled.entries[1].initiative
    pasted.title = "Mô hình\x0bsố 2"
    pasted.save(update_fields=["title"])

    response = client_for(world.organiser).get(f"/rounds/{world.final.pk}/schedule.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''L%E1%BB%8Bch%20thi" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Vòng thi", "Phiên", "Phòng", "STT")
    assert len(rows) == 1 + 3
    assert sorted(row[3] for row in rows[1:]) == [1, 2, 3]
    evil = next(
        cell
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if cell.column == 8 and str(cell.value).startswith("=HYPERLINK")
    )
    assert evil.data_type == "s" and evil.quotePrefix

    assert (
        client_for(world.judges[1]).get(f"/rounds/{world.final.pk}/schedule.xlsx").status_code
        == 403
    )


def test_the_running_order_prints_for_the_master_of_ceremonies(scheduled):
    world = scheduled.world
    url = f"/sessions/{scheduled.session.pk}/running-order.pdf"
    response = client_for(world.secretary).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    for slot in scheduled.session.slots.order_by("position"):
        assert slot.entry.initiative.title in text
    assert text.index("Mô hình số") < len(text)
    # The head judge of the panel may print it; another judge may not.
    assert client_for(world.judges[0]).get(url).status_code == 200
    assert client_for(world.judges[1]).get(url).status_code == 403
