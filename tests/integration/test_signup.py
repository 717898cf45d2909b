"""Signup: each contest's eligibility rules, the outline and slides, and who may read them."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from config.errors import DomainError, NotAllowed
from contest import services
from contest.models import Entry, EntryAttachment, Initiative, Unit
from tests.unit.test_uploads import minimal_pdf, office_file
from tests.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def sign_up(world, rep_index=0, title="Dân vận khéo trong cải cách hành chính", **kwargs):
    return services.register_entry(
        contest=world.contest,
        user=world.representatives[rep_index],
        initiative_title=title,
        field=kwargs.pop("field", "political_system"),
        kind=kwargs.pop("kind", "individual"),
        presenters=kwargs.pop("presenters", [services.PresenterInput(full_name="Nguyễn Thị Hoa")]),
        **kwargs,
    )


def set_rules(world, **rules):
    for name, value in rules.items():
        setattr(world.contest, name, value)
    world.contest.save()


def test_a_unit_enters_at_most_the_contests_number_of_entries(world):
    set_rules(world, max_entries_per_unit=1)
    sign_up(world)
    with pytest.raises(DomainError, match="at most 1 initiative") as refused:
        sign_up(world, title="Mô hình thứ hai")
    assert refused.value.field == "unit"
    assert Entry.objects.count() == 1


def test_a_rejected_entry_frees_the_units_place(world):
    set_rules(world, max_entries_per_unit=1)
    first = sign_up(world)
    services.reject_entry(entry=first, actor=world.organiser, reason="Sai lĩnh vực")
    assert sign_up(world, title="Mô hình thay thế").status == Entry.Status.PENDING


def test_only_the_contests_fields_are_accepted(world):
    set_rules(world, allowed_fields=["economy"])
    with pytest.raises(DomainError, match="accepts initiatives in: Economy") as refused:
        sign_up(world, field="political_system")
    assert refused.value.field == "field"
    assert sign_up(world, field="economy").initiative.field == "economy"


def test_the_initiative_must_have_started_within_the_contests_years(world):
    set_rules(world, initiative_year_from=2017, initiative_year_to=2019)
    with pytest.raises(DomainError, match="between 2017 and 2019") as refused:
        sign_up(world, initiative_year=2015)
    assert refused.value.field == "initiative_year"
    with pytest.raises(DomainError, match="2019 at the latest"):
        sign_up(world, initiative_year=2021)
    assert sign_up(world, initiative_year=2018).initiative.year == 2018


def test_required_presenter_details_are_enforced(world):
    set_rules(world, required_presenter_attributes=["phone", "position"])
    with pytest.raises(DomainError, match="phone") as refused:
        sign_up(world)
    assert set(refused.value.errors) == {"presenters"}
    entry = sign_up(
        world,
        presenters=[
            services.PresenterInput(
                full_name="Nguyễn Thị Hoa", phone="0912 345 678", position="Phó Chánh Văn phòng"
            )
        ],
    )
    assert entry.presenters.get().phone == "0912 345 678"


def test_a_unit_no_longer_existing_in_the_contests_year_cannot_enter(world):
    unit = world.units[0]
    successor = Unit.objects.create(
        code="merged",
        name="Đảng bộ Sở mới",
        level=Unit.Level.GRASSROOTS,
        parent=world.bloc,
        valid_from_year=2019,
    )
    Unit.objects.filter(pk=unit.pk).update(valid_to_year=2018, successor=successor)
    with pytest.raises(DomainError, match="not a unit in 2019") as refused:
        sign_up(world)
    assert refused.value.field == "unit"


def test_a_representative_signs_up_for_their_own_unit_only(world):
    with pytest.raises(NotAllowed):
        services.enter_initiative(
            contest=world.contest,
            unit=world.units[1],
            actor=world.representatives[0],
            initiative_title="Mô hình",
            field="economy",
            kind="individual",
            presenters=[services.PresenterInput(full_name="Lê Văn Nam")],
        )


def test_organisers_enter_paper_registrations_after_signup_closes(world):
    services.change_contest_status(
        contest=world.contest, to_status="signup_closed", actor=world.organiser
    )
    entry = services.enter_initiative(
        contest=world.contest,
        unit=world.units[1],
        actor=world.organiser,
        initiative_title="Mô hình nộp bằng giấy",
        field="economy",
        kind="individual",
        presenters=[services.PresenterInput(full_name="Lê Văn Nam")],
    )
    assert entry.unit == world.units[1] and entry.submitted_by == world.organiser


def test_signup_mails_the_unit_and_the_organisers(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(world)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["organiser@example.org", "rep1@example.org"]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_the_signup_page_takes_the_outline_and_slides_and_refuses_a_renamed_program(world, client):
    client.force_login(world.representatives[0])
    form = {
        "initiative_title": "Mô hình có đề cương",
        "field": "economy",
        "kind": "individual",
        "presenter_name": "Trần Thị Mai",
    }
    refused = client.post(
        f"/contests/{world.contest.slug}/signup/",
        {**form, "outline": upload("de-cuong.pdf", b"MZ\x90\x00" + b"\x00" * 64)},
    )
    assert refused.status_code == 200
    assert "program" in str(refused.context["form"].errors["outline"])
    assert not Entry.objects.exists() and not Initiative.objects.exists()

    accepted = client.post(
        f"/contests/{world.contest.slug}/signup/",
        {
            **form,
            "outline": upload("Đề cương.docx", office_file("word/document.xml")),
            "slides": upload("slides.pdf", minimal_pdf()),
        },
    )
    assert accepted.status_code == 302
    entry = Entry.objects.get()
    kinds = {a.kind: a for a in entry.attachments.all()}
    assert set(kinds) == {"outline", "slides"}
    assert (
        kinds["outline"].extension == "docx" and kinds["outline"].original_name == "Đề cương.docx"
    )
    assert kinds["outline"].file.name.endswith(".docx")
    assert "Đề cương" not in kinds["outline"].file.name


def test_a_new_file_replaces_the_earlier_one_of_its_kind(world):
    entry = sign_up(world)
    first = services.attach_file(
        entry=entry,
        kind="outline",
        upload=upload("v1.pdf", minimal_pdf()),
        actor=world.representatives[0],
    )
    second = services.attach_file(
        entry=entry,
        kind="outline",
        upload=upload("v2.docx", office_file("word/document.xml")),
        actor=world.representatives[0],
    )
    assert list(EntryAttachment.objects.values_list("pk", flat=True)) == [second.pk]
    assert second.original_name == "v2.docx" and first.pk != second.pk


def test_only_the_entrys_unit_and_the_contests_staff_read_its_files(world, client):
    entry = sign_up(world)
    attachment = services.attach_file(
        entry=entry,
        kind="outline",
        upload=upload("Đề cương.pdf", minimal_pdf()),
        actor=world.representatives[0],
    )
    url = f"/attachments/{attachment.pk}/download/"
    expected = {
        world.representatives[0]: 200,
        world.organiser: 200,
        world.judges[1]: 200,
        world.representatives[1]: 403,
    }
    for user, status in expected.items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert b"".join(response.streaming_content) == minimal_pdf()
            assert response["Content-Type"] == "application/pdf"
            assert "filename*=UTF-8''%C4%90%E1%BB%81" in response["Content-Disposition"]
    client.logout()
    assert client.get(url).status_code == 302


def test_another_unit_cannot_send_files_for_an_entry(world, client):
    entry = sign_up(world)
    client.force_login(world.representatives[1])
    response = client.post(
        f"/entries/{entry.pk}/files/",
        {"kind": "slides", "file": upload("x.pdf", minimal_pdf())},
    )
    assert response.status_code == 403
    assert not EntryAttachment.objects.exists()


def test_the_outline_can_no_longer_change_once_signup_closes(world, client):
    entry = sign_up(world)
    services.change_contest_status(
        contest=world.contest, to_status="signup_closed", actor=world.organiser
    )
    client.force_login(world.representatives[0])
    response = client.post(
        f"/entries/{entry.pk}/files/",
        {"kind": "outline", "file": upload("late.pdf", minimal_pdf())},
    )
    assert response.status_code == 200
    assert "no longer be sent" in str(response.context["form"].errors)
    slides = client.post(
        f"/entries/{entry.pk}/files/",
        {"kind": "slides", "file": upload("slides.pdf", io.BytesIO(minimal_pdf()).read())},
    )
    assert slides.status_code == 302
    assert entry.attachments.get().kind == "slides"


def test_organisers_enter_only_units_of_the_organising_unit(world):
    other_bloc = Unit.objects.create(
        code="other-bloc",
        name="Đảng ủy Khối Doanh nghiệp",
        level=Unit.Level.BLOC,
        parent=world.city,
    )
    outsider = Unit.objects.create(
        code="outsider", name="Đảng bộ Tổng công ty", level=Unit.Level.GRASSROOTS, parent=other_bloc
    )
    with pytest.raises(DomainError, match="is not a unit of"):
        services.enter_initiative(
            contest=world.contest,
            unit=outsider,
            actor=world.organiser,
            initiative_title="Mô hình ngoài khối",
            field="economy",
            kind="individual",
            presenters=[services.PresenterInput(full_name="Lê Văn Nam")],
        )
    assert not Initiative.objects.exists()


def test_an_initiative_on_record_is_entered_again_not_duplicated(world):
    first = sign_up(world, field="economy")
    admin = make_superuser()

    def enter_again(field):
        return services.enter_initiative(
            contest=world.other_contest,
            unit=world.units[0],
            actor=admin,
            initiative_title=first.initiative.title,
            field=field,
            kind="individual",
            presenters=[services.PresenterInput(full_name="Nguyễn Thị Hoa")],
        )

    with pytest.raises(DomainError, match="on record as Economy"):
        enter_again("political_system")
    assert enter_again("economy").initiative_id == first.initiative_id
    assert Initiative.objects.count() == 1


def make_superuser(username="admin"):
    from tests.world import make_user

    return make_user(username, is_superuser=True)
