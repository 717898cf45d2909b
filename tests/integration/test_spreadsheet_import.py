"""Importing units, initiatives, entries and judges from spreadsheets, all or nothing, and the
spreadsheets that come out: entries (which import elsewhere), awards, the templates."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from contest import imports
from contest.models import Entry, EntryPresenter, Initiative, Membership, Person, Role, Unit
from tests.world import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()

ENTRY_HEADER = [
    "Mã đơn vị",
    "Tên mô hình",
    "Lĩnh vực",
    "Loại hình",
    "Năm bắt đầu",
    "Tóm tắt",
    "Báo cáo viên 1 - Họ và tên",
    "Báo cáo viên 1 - Email",
    "Báo cáo viên 2 - Họ và tên",
    "Báo cáo viên 2 - Email",
]
JUDGE_HEADER = ["Họ và tên", "Email", "Điện thoại", "Chức vụ", "Mã đơn vị công tác", "Vai trò"]
TABLES = (Unit, Initiative, Entry, EntryPresenter, Person, User, Membership)


def xlsx(*rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "danh-sach.xlsx") -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in TABLES}


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheet_rows(content: bytes, index: int = 0) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return list(book.worksheets[index].iter_rows(values_only=True))


def entry_row(unit, title, *, kind="Cá nhân", field="Kinh tế", year=2019, presenters=()):
    row = [unit, title, field, kind, year, f"Tóm tắt {title}"]
    for name, email in presenters:
        row += [name, email]
    return row


def test_a_sheet_with_bad_rows_writes_nothing_and_reports_every_problem(world):
    content = xlsx(
        ENTRY_HEADER,
        entry_row("unit-1", "Mô hình tốt", presenters=[("Nguyễn Văn An", "an@example.org")]),
        entry_row("khong-co", "Đơn vị lạ", presenters=[("Lê Văn Bình", "binh@example.org")]),
        entry_row("unit-2", "Sai lĩnh vực", field="Nông nghiệp", presenters=[("Hà", "sai")]),
        # Refused by the service, not the cells: an individual initiative with two presenters.
        entry_row(
            "unit-3",
            "Hai người",
            presenters=[("Trần Thị Cúc", "cuc@example.org"), ("Đỗ Văn Dũng", "dung@example.org")],
        ),
        entry_row("unit-3", "Mô hình tốt nữa", presenters=[("Phạm Thị Em", "em@example.org")]),
    )
    before = counts()
    report = imports.run_import("entries", content, world.contest, world.organiser)
    assert counts() == before
    assert not report.committed and report.outcomes == []
    found = {(p.row, p.column) for p in report.problems}
    assert found == {
        (3, "Mã đơn vị"),
        (4, "Lĩnh vực"),
        (4, "Báo cáo viên 1 - Email"),
        (5, "Báo cáo viên 1 - Họ và tên"),
    }
    messages = {(p.row, p.column): p.message for p in report.problems}
    assert "khong-co" in messages[(3, "Mã đơn vị")]
    assert "exactly one presenter" in messages[(5, "Báo cáo viên 1 - Họ và tên")]

    # The page shows the same problems, row by row, and imports nothing either.
    client = client_of(world.organiser)
    url = f"/contests/{world.contest.slug}/import/entries/"
    page = client.post(url, {"file": upload(content), "action": "import"})
    assert page.status_code == 400
    text = page.content.decode()
    assert "Nothing was imported" in text
    assert "Nông nghiệp" in text and "khong-co" in text
    assert counts() == before


def test_a_good_sheet_previews_then_imports_every_row(world):
    content = xlsx(
        ENTRY_HEADER,
        entry_row("unit-1", "Mô hình một", presenters=[("Nguyễn Văn An", "an@example.org")]),
        entry_row(
            "unit-2",
            "Mô hình hai",
            kind="Tập thể",
            field="Văn hoá - xã hội",
            presenters=[("Trần Thị Bình", "BINH@example.org"), ("Lê Cường", "")],
        ),
    )
    client = client_of(world.organiser)
    url = f"/contests/{world.contest.slug}/import/entries/"
    assert client.get(url).status_code == 200
    before = counts()
    preview = client.post(url, {"file": upload(content), "action": "preview"})
    assert preview.status_code == 200
    assert counts() == before  # a preview writes nothing
    text = preview.content.decode()
    assert "2 new, 0 changed, 0 unchanged." in text
    token = re.search(r'name="previewed" value="([^"]+)"', text).group(1)

    # Importing another file than the one previewed is refused.
    other = xlsx(ENTRY_HEADER, entry_row("unit-3", "Khác", presenters=[("Ba", "")]))
    refused = client.post(url, {"file": upload(other), "action": "import", "previewed": token})
    assert "not the file you previewed" in refused.content.decode()
    assert counts() == before

    done = client.post(url, {"file": upload(content), "action": "import", "previewed": token})
    assert done.status_code == 302 and done["Location"] == f"/contests/{world.contest.slug}/"
    entries = list(Entry.objects.filter(contest=world.contest).order_by("id"))
    assert [(e.unit.code, e.initiative.title) for e in entries] == [
        ("unit-1", "Mô hình một"),
        ("unit-2", "Mô hình hai"),
    ]
    second = entries[1]
    assert second.initiative.field == "culture_society" and second.initiative.kind == "collective"
    assert second.submitted_by == world.organiser and second.status == Entry.Status.PENDING
    assert [p.full_name for p in second.presenters.order_by("presenter_links__order")] == [
        "Trần Thị Bình",
        "Lê Cường",
    ]
    assert second.presenters.get(full_name="Trần Thị Bình").email == "binh@example.org"


def test_importing_entries_applies_the_contests_eligibility_rules(world):
    world.contest.max_entries_per_unit = 1
    world.contest.save(update_fields=["max_entries_per_unit"])
    content = xlsx(
        ENTRY_HEADER,
        entry_row("unit-1", "Mô hình thứ nhất", presenters=[("Nguyễn Văn An", "")]),
        entry_row("unit-1", "Mô hình thứ hai", presenters=[("Lê Thị Bình", "")]),
    )
    before = counts()
    report = imports.run_import("entries", content, world.contest, world.organiser)
    assert [(p.row, p.column) for p in report.problems] == [(3, "Mã đơn vị")]
    assert "at most 1 initiative" in report.problems[0].message
    assert counts() == before

    world.contest.status = "scheduled"
    world.contest.save(update_fields=["status"])
    report = imports.preview_import("entries", content, world.contest, world.organiser)
    assert [p.message for p in report.problems] == [
        "Entries can no longer be added to this contest."
    ]


def test_exported_entries_import_into_another_contest_with_the_same_initiatives(world):
    content = xlsx(
        ENTRY_HEADER,
        entry_row("unit-1", "Mô hình một", presenters=[("Nguyễn Văn An", "an@example.org")]),
        entry_row(
            "unit-2",
            "Mô hình hai",
            kind="Tập thể",
            presenters=[("Trần Thị Bình", "binh@example.org"), ("Lê Cường", "cuong@example.org")],
        ),
    )
    assert imports.run_import("entries", content, world.contest, world.organiser).committed
    Person.objects.filter(email="an@example.org").update(phone="0912 345 678", position="Bí thư")

    response = client_of(world.organiser).get(f"/contests/{world.contest.slug}/entries.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response.content)
    template = imports.import_kind("entries")
    assert list(rows[0][: len(template.columns)]) == [c.header for c in template.columns]
    assert rows[1][0] == "unit-1" and rows[1][2] == "Kinh tế" and rows[1][3] == "Cá nhân"

    other = world.other_contest
    Membership.objects.create(contest=other, user=world.organiser, role=Role.ORGANISER)
    report = imports.run_import("entries", response.content, other, world.organiser)
    assert report.ok, report.problems
    assert "Tên đơn vị" in report.ignored_columns

    def shape(contest):
        return [
            (
                entry.initiative_id,
                [
                    (p.pk, p.full_name, p.email, p.phone, p.position)
                    for p in entry.presenters.order_by("presenter_links__order")
                ],
            )
            for entry in Entry.objects.filter(contest=contest).order_by("id")
        ]

    assert shape(other) == shape(world.contest)
    assert Initiative.objects.count() == 2


def test_judges_are_imported_once_and_a_second_import_changes_nothing(world):
    content = xlsx(
        [*JUDGE_HEADER, "Tên đăng nhập"],
        [
            "Nguyễn Thị Hoa",
            "hoa@example.org",
            "0912",
            "Trưởng ban",
            "unit-2",
            "Trưởng ban giám khảo",
        ],
        ["Lê Văn Khánh", "KHANH@example.org", "", "", "", "", "lvkhanh"],
        ["Phạm Minh", "", "", "", "unit-3", "giám khảo"],
    )
    report = imports.run_import("judges", content, world.contest, world.organiser)
    assert [(p.row, p.column) for p in report.problems] == [(4, "Email")]  # no login at all

    content = xlsx(
        [*JUDGE_HEADER, "Tên đăng nhập"],
        [
            "Nguyễn Thị Hoa",
            "hoa@example.org",
            "0912",
            "Trưởng ban",
            "unit-2",
            "Trưởng ban giám khảo",
        ],
        ["Lê Văn Khánh", "KHANH@example.org", "", "", "", "", "lvkhanh"],
    )
    report = imports.run_import("judges", content, world.contest, world.organiser)
    assert report.committed and report.counts == {"create": 2, "update": 0, "unchanged": 0}
    hoa = User.objects.get(username="hoa@example.org")
    assert not hoa.has_usable_password()
    membership = Membership.objects.get(contest=world.contest, user=hoa)
    assert membership.role == Role.HEAD_JUDGE and membership.unit.code == "unit-2"
    assert membership.person.full_name == "Nguyễn Thị Hoa" and hoa.person == membership.person
    khanh = Membership.objects.get(contest=world.contest, user__username="lvkhanh")
    assert khanh.role == Role.JUDGE and khanh.unit is None
    assert khanh.person.email == "khanh@example.org"

    before = counts()
    again = imports.run_import("judges", content, world.contest, world.organiser)
    assert again.committed and again.counts == {"create": 0, "update": 0, "unchanged": 2}
    assert counts() == before

    # The same people judge another contest: their accounts are reused.
    other = world.other_contest
    Membership.objects.create(contest=other, user=world.organiser, role=Role.ORGANISER)
    assert imports.run_import("judges", content, other, world.organiser).committed
    assert User.objects.count() == before["User"]
    assert Membership.objects.filter(contest=other, user=hoa, role=Role.HEAD_JUDGE).exists()

    # A login that belongs to somebody else, or a judge given the other judging role, is refused.
    clash = xlsx(
        [*JUDGE_HEADER, "Tên đăng nhập"],
        ["Trần Văn Khác", "", "", "", "", "", "lvkhanh"],
        ["Nguyễn Thị Hoa", "hoa@example.org", "", "", "unit-2", "Giám khảo"],
    )
    report = imports.run_import("judges", clash, world.contest, world.organiser)
    assert [(p.row, p.column) for p in report.problems] == [(2, "Họ và tên"), (3, "Vai trò")]
    assert counts() == {**before, "Membership": before["Membership"] + 3}


def test_units_import_creates_updates_and_links_renamed_units(world, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.org", "x")
    header = ["Mã đơn vị", "Tên đơn vị", "Tên viết tắt", "Loại đơn vị", "Cấp", "Mã đơn vị cấp trên"]
    header += ["Từ năm", "Đến năm", "Mã đơn vị kế thừa"]
    content = xlsx(
        header,
        # unit-1 is renamed in 2020: it ends in 2019 and its successor comes on a later row.
        [
            "unit-1",
            "Đảng bộ cơ quan Sở Nội vụ",
            "",
            "Đảng bộ",
            "Tổ chức cơ sở",
            "duk",
            1930,
            2019,
            "unit-1-moi",
        ],
        ["chi-bo-a", "Chi bộ A", "", "Chi bộ cơ sở", "Tổ chức cơ sở", "duk", 2020, "", ""],
        ["chi-bo-b", "Chi bộ B", "", "Chi bộ cơ sở", "Tổ chức cơ sở", "chi-bo-a", "", "", ""],
        ["unit-1-moi", "Đảng bộ Sở Nội vụ", "", "Đảng bộ", "Tổ chức cơ sở", "duk", 2020, "", ""],
        ["unit-2", "Đảng bộ Sở Tài chính", "", "Đảng bộ", "Tổ chức cơ sở", "duk", "", "", ""],
    )
    report = imports.run_import("units", content, None, admin)
    assert report.ok, report.problems
    assert report.counts == {"create": 3, "update": 1, "unchanged": 1}
    renamed = Unit.objects.get(code="unit-1")
    assert renamed.valid_to_year == 2019 and renamed.successor.code == "unit-1-moi"
    assert Unit.objects.get(code="chi-bo-b").parent.code == "chi-bo-a"

    before = counts()
    again = imports.run_import("units", content, None, admin)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 5}
    assert counts() == before

    bad = xlsx(
        header,
        ["chi-bo-c", "Chi bộ C", "", "", "Tổ chức cơ sở", "chi-bo-d", "", "", ""],  # d comes later
        ["chi-bo-d", "Chi bộ D", "", "", "Tổ chức cơ sở", "", "", "", ""],  # no parent
        ["chi-bo-e", "Chi bộ E", "", "", "Khu phố", "duk", 2020, 2010, "khong-co"],
        ["chi-bo-d", "Chi bộ D", "", "", "Tổ chức cơ sở", "duk", "", "", ""],  # code twice
        ["duk", "Đảng ủy Khối", "", "", "Khối", "chi-bo-a", "", "", ""],  # a cycle
    )
    report = imports.run_import("units", bad, None, admin)
    assert {(p.row, p.column) for p in report.problems} == {
        (2, "Mã đơn vị cấp trên"),
        (3, "Mã đơn vị cấp trên"),
        (4, "Cấp"),
        (4, "Đến năm"),
        (4, "Mã đơn vị kế thừa"),
        (5, "Mã đơn vị"),
        (6, "Mã đơn vị cấp trên"),
    }
    assert counts() == before


def test_an_organiser_may_import_units_only_below_their_contests_organiser(world):
    header = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Mã đơn vị cấp trên"]
    allowed = xlsx(header, ["chi-bo-moi", "Chi bộ mới", "Tổ chức cơ sở", "duk"])
    report = imports.run_import("units", allowed, None, world.organiser)
    assert report.committed
    before = counts()
    refused = xlsx(
        header,
        ["ha-noi", "Thành phố Hà Nội (sửa)", "Thành phố", ""],
        ["duk", "Đảng ủy Khối (sửa)", "Khối", "ha-noi"],
        ["quan-moi", "Quận mới", "Khối", "ha-noi"],
    )
    report = imports.run_import("units", refused, None, world.organiser)
    assert [(p.row, p.column) for p in report.problems] == [
        (2, "Mã đơn vị"),
        (3, "Mã đơn vị"),
        (4, "Mã đơn vị cấp trên"),
    ]
    assert counts() == before
    with pytest.raises(imports.NotAllowed):
        imports.preview_import("units", allowed, None, world.representatives[0])
    assert client_of(world.representatives[0]).get("/units/import/").status_code == 403
    assert client_of(world.organiser).get("/units/import/").status_code == 200


def test_initiatives_import_checks_units_years_and_leaves_entered_initiatives_alone(world):
    header = ["Mã đơn vị", "Năm", "Tên mô hình", "Lĩnh vực", "Loại hình", "Tóm tắt"]
    content = xlsx(
        header,
        ["unit-1", 2018, "Dân vận khéo ở khu phố", "Kinh tế", "Tập thể", "Tóm tắt"],
        ["unit-2", 2019.0, "Mô hình hai", "economy", "individual", ""],
    )
    report = imports.run_import("initiatives", content, world.contest, world.organiser)
    assert report.committed and report.counts["create"] == 2
    again = imports.run_import("initiatives", content, world.contest, world.organiser)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 2}

    Unit.objects.filter(code="unit-3").update(valid_from_year=2020)
    bad = xlsx(
        header,
        ["unit-3", 2019, "Trước khi có đơn vị", "Kinh tế", "Tập thể", ""],
        ["ha-noi", 2019, "Ngoài khối", "Kinh tế", "Tập thể", ""],
        ["unit-1", 1980, "Quá sớm", "Kinh tế", "Tập thể", ""],
        ["unit-2", 2019, "MÔ HÌNH HAI", "Văn hóa - xã hội", "Cá nhân", ""],  # changes it
        ["unit-2", 2019, "Mô hình hai", "Kinh tế", "Cá nhân", ""],  # the same one again
    )
    before = counts()
    report = imports.run_import("initiatives", bad, world.contest, world.organiser)
    assert [(p.row, p.column) for p in report.problems] == [
        (2, "Mã đơn vị"),
        (3, "Mã đơn vị"),
        (4, "Năm"),
        (6, "Tên mô hình"),
    ]
    assert counts() == before


def test_a_renamed_program_or_random_bytes_are_refused_with_a_message(world):
    client = client_of(world.organiser)
    url = f"/contests/{world.contest.slug}/import/judges/"
    before = counts()
    for content, message in [
        (b"MZ\x90\x00\x03" + bytes(500), "program"),
        (bytes(range(256)) * 20, "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "(.xls)"),
        (xlsx(), "empty"),
        (xlsx(["Họ và tên", "Email"]), "no rows"),
        (xlsx(["Email", "Chức vụ"], ["a@example.org", "x"]), "“Họ và tên” is missing"),
    ]:
        for action in ("preview", "import"):
            page = client.post(url, {"file": upload(content, "giam-khao.xlsx"), "action": action})
            assert page.status_code == 400
            assert message in page.content.decode(), (message, action)
    assert counts() == before


def spreadsheet_bomb(unpacked_megabytes: int = 200) -> bytes:
    """A real workbook whose one sheet unpacks to `unpacked_megabytes` of blank space: a few
    hundred kilobytes on the wire."""
    good = zipfile.ZipFile(io.BytesIO(xlsx(["Họ và tên", "Email"], ["A", "a@example.org"])))
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for part in good.infolist():
            data = good.read(part)
            if part.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(part, data)
                continue
            with bomb.open(part.filename, "w", force_zip64=True) as sheet:
                sheet.write(data[: data.rindex(b"</worksheet>")])
                for _ in range(unpacked_megabytes):
                    sheet.write(b" " * (1024 * 1024))
                sheet.write(b"</worksheet>")
    return book.getvalue()


@pytest.mark.parametrize("kind", ["judges", "entries", "initiatives"])
def test_a_spreadsheet_bomb_is_refused_with_a_400_before_it_is_unpacked(world, kind):
    bomb = spreadsheet_bomb()
    assert len(bomb) < imports.MAX_FILE_SIZE  # small enough to pass the size check
    client = client_of(world.organiser)
    url = f"/contests/{world.contest.slug}/import/{kind}/"
    before = counts()
    for action in ("preview", "import"):
        page = client.post(url, {"file": upload(bomb), "action": action})
        assert page.status_code == 400
        assert "unpacks" in page.content.decode()
    assert counts() == before


def test_an_oversized_spreadsheet_is_refused_with_a_400(world):
    client = client_of(world.organiser)
    too_big = xlsx(["Họ và tên"], ["A"]) + bytes(imports.MAX_FILE_SIZE)
    page = client.post(
        f"/contests/{world.contest.slug}/import/judges/",
        {"file": upload(too_big), "action": "preview"},
    )
    assert page.status_code == 400
    assert f"{imports.MAX_FILE_SIZE // (1024 * 1024)} MB" in page.content.decode()


def test_templates_download_and_their_example_row_imports(world, django_user_model):
    client = client_of(world.organiser)
    for kind in imports.CONTEST_KINDS:
        response = client.get(f"/contests/{world.contest.slug}/import/{kind}/template.xlsx")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        header, example = sheet_rows(response.content)
        assert list(header) == [column.header for column in imports.import_kind(kind).columns]
        instructions = sheet_rows(response.content, 1)
        assert instructions[0][:3] == ("Column", "Also accepted", "Required")
        assert any(row[0] == header[0] for row in instructions[1:])
        report = imports.run_import(kind, response.content, world.contest, world.organiser)
        assert report.committed, (kind, report.problems)
        assert report.counts["create"] == 1

    response = client.get("/units/import/template.xlsx")
    assert response.status_code == 200
    report = imports.run_import("units", response.content, None, world.organiser)
    assert report.committed, report.problems
    assert Unit.objects.get(code="vi-du-chi-bo").parent.code == "duk"
    assert "Kinh tế (economy)" in str(
        sheet_rows(
            client.get(f"/contests/{world.contest.slug}/import/entries/template.xlsx").content, 1
        )
    )


def test_the_spreadsheet_pages_refuse_everyone_but_organisers(world):
    slug = world.contest.slug
    urls = [
        f"/contests/{slug}/import/entries/",
        f"/contests/{slug}/import/judges/",
        f"/contests/{slug}/import/initiatives/template.xlsx",
        f"/contests/{slug}/entries.xlsx",
    ]
    for user in (world.representatives[0], world.judges[0], world.secretary):
        client = client_of(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        post = client.post(urls[0], {"file": upload(xlsx(ENTRY_HEADER)), "action": "import"})
        assert post.status_code == 403
    # Another contest's organiser is a stranger here.
    stranger = make_user("organiser-elsewhere")
    Membership.objects.create(contest=world.other_contest, user=stranger, role=Role.ORGANISER)
    assert client_of(stranger).get(urls[0]).status_code == 403
    assert Client().get(urls[0]).status_code == 302  # to the login page
    assert client_of(world.organiser).get(f"/contests/{slug}/import/units/").status_code == 404
    assert client_of(world.judges[0]).get(f"/contests/{slug}/awards.xlsx").status_code == 403


def test_the_awards_export_keeps_formula_like_names_as_text(published):
    world = published.world
    winner = published.entries[0]
    Person.objects.filter(entries=winner).update(
        full_name='=HYPERLINK("http://evil.example","Bấm vào đây")'
    )
    response = client_of(world.secretary).get(f"/contests/{world.contest.slug}/awards.xlsx")
    assert response.status_code == 200
    assert "Gi%E1%BA%A3i%20th%C6%B0%E1%BB%9Fng" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == imports_header_awards()
    assert [row[1] for row in rows[1:]] == ["Giải Nhất", "Giải Nhì"]
    assert rows[1][2] == 1 and rows[1][5] == winner.initiative.title
    evil = sheet.cell(2, 8)
    assert evil.value == '=HYPERLINK("http://evil.example","Bấm vào đây")'
    assert evil.data_type == "s" and evil.quotePrefix
    assert (
        client_of(world.representatives[0])
        .get(f"/contests/{world.contest.slug}/awards.xlsx")
        .status_code
        == 403
    )


def imports_header_awards():
    from scoring.exports import AWARDS_HEADER

    return AWARDS_HEADER


def test_awards_are_not_exported_before_results_are_published(world):
    response = client_of(world.organiser).get(f"/contests/{world.contest.slug}/awards.xlsx")
    assert response.status_code == 404


def test_the_entries_export_reads_a_fixed_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def exported_with(rows) -> int:
        content = xlsx(ENTRY_HEADER, *rows)
        assert imports.run_import("entries", content, world.contest, world.organiser).committed
        with CaptureQueriesContext(connection) as queries:
            response = client_of(world.organiser).get(
                f"/contests/{world.contest.slug}/entries.xlsx"
            )
        assert response.status_code == 200
        return len(queries)

    one = exported_with([entry_row("unit-1", "Một", presenters=[("An", "")])])
    more = exported_with(
        [
            entry_row("unit-2", "Hai", kind="Tập thể", presenters=[("Bình", ""), ("Cúc", "")]),
            entry_row("unit-3", "Ba", presenters=[("Dũng", "")]),
        ]
    )
    assert more == one
    assert (
        len(
            sheet_rows(
                client_of(world.organiser)
                .get(f"/contests/{world.contest.slug}/entries.xlsx")
                .content
            )
        )
        == 4
    )
