"""The whole mission's thin path through the HTTP API, shared by the in-process test and the
test against PostgreSQL with a real Celery worker on Redis."""

import re
import time
import unicodedata
import uuid
from urllib.parse import urlsplit

from django.core import mail
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from certificates.models import Certificate
from scheduling.models import Draw
from tests.pdf import pdf_fonts, pdf_text, qr_codes
from tests.world import PASSWORD, World, session_start

PRESENTERS = {
    "rep1": ("Nguyễn Thị Hằng Ngữ", "ngu@example.org"),
    "rep2": ("Đặng Thu Hường", "huong@example.org"),
    "rep3": ("Lê Văn Ước", "uoc@example.org"),
}
MARKS = {  # judge -> entry index -> marks
    "judge1": {1: {"content": "8.5", "delivery": "9.25"}, 2: {"content": "7", "delivery": "8"}},
    "judge2": {
        0: {"content": "9", "delivery": "8.75"},
        1: {"content": "8", "delivery": "9"},
        2: {"content": "7.5", "delivery": "7.25"},
    },
    "judge3": {
        0: {"content": "9.5", "delivery": "9"},
        1: {"content": "8", "delivery": "8.5"},
        2: {"content": "6.5", "delivery": "7"},
    },
}


class TabletClient(Client):
    """A logged-in client that sends a fresh Idempotency-Key with every write, as the judges'
    tablets do (tests of the protocol itself pass their own keys)."""

    def post(self, path, data=None, content_type=MULTIPART_CONTENT, **extra):
        extra.setdefault("HTTP_IDEMPOTENCY_KEY", uuid.uuid4().hex)
        return super().post(path, data, content_type, **extra)


def client_for(user) -> Client:
    client = TabletClient()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body):
    return client.post(url, body, content_type="application/json")


def post_sheet(client: Client, body, key: str, **headers):
    """A tablet's write of a score sheet, with its Idempotency-Key."""
    return client.post(
        "/api/score-sheets/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **headers,
    )


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting for background work")


def run_thin_path(world: World) -> dict:
    """Signup → approval → panel, session, draw → scoring → ranking (background) → publish →
    public results → certificates (background) → the presenter downloads their own."""
    contest = world.contest
    entries = []
    for rep in world.representatives:
        name, email = PRESENTERS[rep.username]
        response = client_for(rep).post(
            f"/api/contests/{contest.slug}/entries/",
            {
                "initiative_title": f"Dân vận khéo trong cải cách hành chính ({rep.username})",
                "field": "political_system",
                "kind": "individual",
                "presenters": [{"full_name": name, "email": email}],
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["status"] == "pending"
        entries.append(response.json()["id"])

    organiser = client_for(world.organiser)
    for entry_id in entries:
        response = organiser.post(f"/api/entries/{entry_id}/approve/")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "approved"

    response = organiser.post(
        f"/api/contests/{contest.slug}/panels/",
        {
            "name": "Ban giám khảo",
            "judges": [
                {"username": "judge1", "head": True},
                {"username": "judge2"},
                {"username": "judge3"},
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    panel_id = response.json()["id"]
    response = organiser.post(
        f"/api/rounds/{world.final.pk}/sessions/",
        {
            "name": "Chung khảo",
            "starts_at": session_start().isoformat(),
            "room": "Hội trường A",
            "panel": panel_id,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    session_id = response.json()["id"]
    response = organiser.post(
        f"/api/sessions/{session_id}/draw/",
        {"witnesses": "Đại diện Sở Nội vụ, Sở Tài chính"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    draw = response.json()
    assert sorted(draw["result_entries"]) == sorted(entries)
    assert re.fullmatch(r"[0-9a-f]{64}", draw["seed"])
    assert Draw.objects.get(pk=draw["id"]).witnesses.startswith("Đại diện")
    for step in ("signup_closed", "scheduled", "judging"):
        response = organiser.post(
            f"/api/contests/{contest.slug}/status/",
            {"status": step},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
    response = organiser.post(
        f"/api/rounds/{world.final.pk}/status/", {"status": "open"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content

    judges = {judge.username: judge for judge in world.judges}
    sheets = 0
    for username, by_entry in MARKS.items():
        judge_client = client_for(judges[username])
        order = judge_client.get(f"/api/sessions/{session_id}/running-order/").json()
        visible = {slot["entry_id"] for slot in order}
        for index, marks in by_entry.items():
            assert entries[index] in visible
            response = judge_client.post(
                "/api/score-sheets/",
                {"round": world.final.pk, "entry": entries[index], "marks": marks},
                content_type="application/json",
            )
            assert response.status_code == 201, response.content
            sheets += 1
    # judge1 sits for unit 1 and never sees or scores that unit's entry.
    judge1 = client_for(judges["judge1"])
    order = judge1.get(f"/api/sessions/{session_id}/running-order/").json()
    assert entries[0] not in {slot["entry_id"] for slot in order}
    response = judge1.post(
        "/api/score-sheets/",
        {
            "round": world.final.pk,
            "entry": entries[0],
            "marks": {"content": "10", "delivery": "10"},
        },
        content_type="application/json",
    )
    assert response.status_code == 403

    def complete_ranking():
        rankings = organiser.get(f"/api/rounds/{world.final.pk}/rankings/").json()
        return next((r for r in rankings if r["sheet_count"] == sheets), None)

    ranking = wait_for(complete_ranking)
    standings = ranking["standings"]
    # Entry 0: judges 2 and 3 only. judge2 (9*3+8.75*2)/5 = 8.90, judge3 (9.5*3+9*2)/5 = 9.30.
    assert standings[0] == {
        **standings[0],
        "entry_id": entries[0],
        "rank": 1,
        "score": "9.10",
        "judges_counted": 2,
    }
    assert [s["entry_id"] for s in standings] == [entries[0], entries[1], entries[2]]
    # Entry 1: 8.80, 8.40, 8.20 -> 8.4666... -> 8.47 (half-up once, at the end).
    assert standings[1]["score"] == "8.47" and standings[1]["judges_counted"] == 3
    # Entry 2: 7.40, 7.40, 6.70 -> 7.1666... -> 7.17.
    assert standings[2]["score"] == "7.17"

    assert Client().get(f"/api/public/contests/{contest.slug}/results/").json()["rounds"] == []
    response = organiser.post(f"/api/rankings/{ranking['id']}/publish/")
    assert response.status_code == 200, response.content
    public = Client().get(f"/api/public/contests/{contest.slug}/results/").json()
    assert [s["entry_id"] for s in public["rounds"][0]["standings"]] == [
        entries[0],
        entries[1],
        entries[2],
    ]
    assert public["rounds"][0]["standings"][0]["prize"] == "Giải Nhất"
    page = Client().get(f"/results/{contest.slug}/", HTTP_ACCEPT_LANGUAGE="vi")
    assert "9,10" in page.content.decode()  # Vietnamese decimal comma

    response = organiser.post(f"/api/contests/{contest.slug}/certificate-batches/")
    assert response.status_code == 202, response.content
    batch_id = response.json()["id"]
    wait_for(
        lambda: organiser.get(f"/api/certificate-batches/{batch_id}/").json()["status"] == "done",
        timeout=60,
    )

    # The presenter follows the emailed link to set a password, then logs in.
    name, email = PRESENTERS["rep1"]
    message = next(m for m in mail.outbox if email in m.to)
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    presenter = Client()
    set_password_page = presenter.get(link, follow=True)
    new_password = "Hằng-Ngữ-" + PASSWORD
    response = presenter.post(
        set_password_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert presenter.login(username=email, password=new_password)
    mine = presenter.get("/api/me/certificates/").json()
    assert len(mine) == 1 and mine[0]["recipient_name"] == name
    assert mine[0]["achievement"] == "Đã đạt Giải Nhất"
    pdf = presenter.get(f"/api/certificates/{mine[0]['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    data = b"".join(pdf.streaming_content)
    assert unicodedata.is_normalized("NFC", name) and name in pdf_text(data)
    assert [font for font, embedded in pdf_fonts(data) if embedded] == [
        font for font, _ in pdf_fonts(data)
    ]
    assert all(font.replace("-", "").startswith("LiberationSerif") for font, _ in pdf_fonts(data))
    (url,) = qr_codes(data)
    assert url.endswith(f"/verify/{Certificate.objects.get(pk=mine[0]['id']).verification_code}/")
    verification = Client().get(urlsplit(url).path)
    assert verification.status_code == 200 and name in verification.content.decode()

    others = client_for(world.organiser).get("/api/me/certificates/").json()
    assert others == []
    someone_else = Certificate.objects.exclude(person__full_name=name).first()
    assert presenter.get(f"/api/certificates/{someone_else.pk}/pdf/").status_code == 404
    assert presenter.get(f"/certificates/{someone_else.pk}/download/").status_code == 404
    verification = Client().get(f"/verify/{someone_else.verification_code}/")
    assert someone_else.recipient_name in verification.content.decode()
    return {"entries": entries, "ranking": ranking, "certificate_pdf": data}
