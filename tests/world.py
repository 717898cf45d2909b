"""A small contest world for tests: units, a contest open for signup, every role, a rubric."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from certificates.models import CertificateTemplate
from contest.models import Contest, Membership, Role, Unit
from scheduling.models import Round
from scoring.models import Criterion, Prize, Rubric, RubricPart

PASSWORD = "s3cret-pass-word"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class World:
    city: Unit
    bloc: Unit
    units: list[Unit]
    contest: Contest
    final: Round
    organiser: object
    secretary: object
    representatives: list
    judges: list
    outsider_judge: object
    other_contest: Contest


def make_user(username: str, first_name: str = "", last_name: str = "", **extra):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=first_name, last_name=last_name, **extra
    )
    return user


def build_world(judge_count: int = 3) -> World:
    city = Unit.objects.create(code="ha-noi", name="Thành phố Hà Nội", level=Unit.Level.CITY)
    bloc = Unit.objects.create(
        code="duk",
        name="Đảng ủy Khối các cơ quan Thành phố Hà Nội",
        level=Unit.Level.BLOC,
        parent=city,
        kind=Unit.Kind.PARTY_COMMITTEE,
    )
    names = ["Đảng bộ cơ quan Sở Nội vụ", "Đảng bộ Sở Tài chính", "Đảng bộ Cục Thuế"]
    units = [
        Unit.objects.create(
            code=f"unit-{i}",
            name=name,
            level=Unit.Level.GRASSROOTS,
            parent=bloc,
            kind=Unit.Kind.PARTY_COMMITTEE,
        )
        for i, name in enumerate(names, start=1)
    ]
    city_contest = Contest.objects.create(
        slug="city-2019",
        name="Hội thi cấp Thành phố",
        level=Contest.Level.CITY,
        year=2019,
        organising_unit=city,
    )
    contest = Contest.objects.create(
        slug="khoi-2019",
        name="Hội thi báo cáo viên giới thiệu mô hình “Dân vận khéo” năm 2019",
        level=Contest.Level.BLOC,
        year=2019,
        organising_unit=bloc,
        advances_to=city_contest,
        status=Contest.Status.SIGNUP_OPEN,
    )
    organiser = make_user("organiser", "Hà", "Nguyễn Thu", email="organiser@example.org")
    Membership.objects.create(contest=contest, user=organiser, role=Role.ORGANISER)
    secretary = make_user("secretary")
    Membership.objects.create(contest=contest, user=secretary, role=Role.SECRETARY)
    representatives = []
    for i, unit in enumerate(units, start=1):
        rep = make_user(f"rep{i}", email=f"rep{i}@example.org")
        Membership.objects.create(
            contest=contest, user=rep, role=Role.UNIT_REPRESENTATIVE, unit=unit
        )
        representatives.append(rep)
    judges = []
    for i in range(1, judge_count + 1):
        judge = make_user(f"judge{i}", "Giám khảo", str(i))
        # judge1 belongs to the first unit: a conflict of interest with that unit's entry.
        Membership.objects.create(
            contest=contest,
            user=judge,
            role=Role.HEAD_JUDGE if i == 1 else Role.JUDGE,
            unit=units[0] if i == 1 else None,
        )
        judges.append(judge)
    outsider_judge = make_user("judge-elsewhere")
    Membership.objects.create(contest=contest, user=outsider_judge, role=Role.JUDGE)

    final = Round.objects.create(
        contest=contest, name="Vòng chung khảo", kind=Round.Kind.FINAL, sequence=1
    )
    rubric = Rubric.objects.create(round=final, decimals=2)
    outline = RubricPart.objects.create(rubric=rubric, name="Đề cương", order=1)
    talk = RubricPart.objects.create(rubric=rubric, name="Trình bày", order=2)
    Criterion.objects.create(
        rubric=rubric,
        part=outline,
        code="content",
        name="Nội dung",
        max_score=Decimal(10),
        step=Decimal("0.5"),
        weight=Decimal(3),
        order=1,
    )
    Criterion.objects.create(
        rubric=rubric,
        part=talk,
        code="delivery",
        name="Kỹ năng trình bày",
        max_score=Decimal(10),
        step=Decimal("0.25"),
        weight=Decimal(2),
        order=2,
    )
    for order, (name, tier) in enumerate(
        [("Giải Nhất", Prize.Tier.FIRST), ("Giải Nhì", Prize.Tier.SECOND)], start=1
    ):
        Prize.objects.create(contest=contest, name=name, tier=tier, quota=1, order=order)
    CertificateTemplate.objects.create(
        contest=contest,
        theme=CertificateTemplate.Theme.PARTY,
        superior_body="ĐẢNG BỘ THÀNH PHỐ HÀ NỘI",
        issuing_body="ĐẢNG ỦY KHỐI CÁC CƠ QUAN THÀNH PHỐ",
        number_suffix="GCN/ĐUK",
        signing_on_behalf="T/M BAN THƯỜNG VỤ",
        signer_title="PHÓ BÍ THƯ",
        signer_name="Trần Văn Bình",
    )
    other_contest = Contest.objects.create(
        slug="other",
        name="Another contest",
        level=Contest.Level.BLOC,
        year=2019,
        organising_unit=bloc,
        status=Contest.Status.SIGNUP_OPEN,
    )
    return World(
        city=city,
        bloc=bloc,
        units=units,
        contest=contest,
        final=final,
        organiser=organiser,
        secretary=secretary,
        representatives=representatives,
        judges=judges,
        outsider_judge=outsider_judge,
        other_contest=other_contest,
    )


def session_start() -> datetime:
    return datetime(2019, 10, 5, 8, 0, tzinfo=HANOI)
