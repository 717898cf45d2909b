"""The organiser's dashboard: a contest at a glance.

Each part is read with one query over the whole contest, never one per unit, entry, session or
judge, so the page costs the same for three units as for three hundred. The charts are drawn
by scoring.charts from the plain numbers read here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from contest.collation import sort_key
from contest.models import Contest, Entry, Field, Unit
from contest.templatetags.people import display_name
from scheduling.models import Draw, Round, Session, Slot
from scoring import charts
from scoring.models import Penalty, Ranking, ScoreSheet, Standing
from scoring.selectors import COUNTED, fingerprint

STATUSES = (
    Entry.Status.PENDING,
    Entry.Status.APPROVED,
    Entry.Status.REJECTED,
    Entry.Status.WITHDRAWN,
)
IN_PLAY = (Entry.Status.PENDING, Entry.Status.APPROVED)
QUEUE_SHOWN = 5
# Methods whose sheet score is a placing: a positive deviation places entries lower down.
PLACING_METHODS = {"rank_sum", "skating"}


@dataclass
class UnitSignup:
    name: str
    expected: bool  # a grassroots unit under the organiser, valid in the contest's year
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def by_status(self) -> list[int]:
        return [self.counts.get(status, 0) for status in STATUSES]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def in_play(self) -> bool:
        """Has an entry awaiting approval or approved."""
        return any(self.counts.get(status) for status in IN_PLAY)


@dataclass
class Signup:
    units: list[UnitSignup]

    @property
    def totals(self) -> list[int]:
        return [
            sum(unit.by_status[column] for unit in self.units) for column in range(len(STATUSES))
        ]

    @property
    def total(self) -> int:
        return sum(self.totals)

    @property
    def expected(self) -> int:
        return sum(1 for unit in self.units if unit.expected)

    @property
    def expected_without_entries(self) -> int:
        return sum(1 for unit in self.units if unit.expected and not unit.in_play)


@dataclass
class SessionStatus:
    session: Session
    slots: int
    drawn: bool
    expected_sheets: int  # panel seats times slots, less each judge's own unit's entries
    submitted_sheets: int
    draft_sheets: int

    @property
    def percent(self) -> int:
        if not self.expected_sheets:
            return 0
        return min(100, self.submitted_sheets * 100 // self.expected_sheets)


@dataclass
class RoundStatus:
    round: Round
    sessions: list[SessionStatus]
    schedule_version: int | None
    schedule_published_at: datetime | None
    counted_sheets: int
    newest: Ranking | None
    published: Ranking | None
    # Counted sheets or penalties changed after the newest snapshot (see rounds_needing_ranking).
    stale: bool
    score_chart: SafeString | str = ""
    bias_chart: SafeString | str = ""

    @property
    def slots(self) -> int:
        return sum(session.slots for session in self.sessions)

    @property
    def drawn_sessions(self) -> int:
        return sum(1 for session in self.sessions if session.drawn)

    @property
    def charted(self) -> Ranking | None:
        """The snapshot the charts show: the published one, else the newest."""
        return self.published or self.newest


@dataclass
class Dashboard:
    contest: Contest
    signup: Signup
    pending: list[Entry]  # the oldest entries awaiting approval
    entries_by_field: list[charts.Bar]
    rounds: list[RoundStatus]
    field_chart: SafeString | str = ""

    @property
    def pending_count(self) -> int:
        return self.signup.totals[STATUSES.index(Entry.Status.PENDING)]


def contest_dashboard(contest: Contest) -> Dashboard:
    rounds = round_statuses(contest)
    board = Dashboard(
        contest=contest,
        signup=signup_by_unit(contest),
        pending=list(approval_queue(contest)[:QUEUE_SHOWN]),
        entries_by_field=entries_by_field(contest),
        rounds=rounds,
    )
    draw_charts(board, scores_of(rounds), judge_names(rounds))
    return board


# --------------------------------------------------------------------------- signup


def valid_in(year: int) -> Q:
    """Units that exist in ``year`` (the query form of Unit.valid_in)."""
    return Q(valid_from_year__lte=year) & (
        Q(valid_to_year__isnull=True) | Q(valid_to_year__gte=year)
    )


def expected_units(contest: Contest) -> QuerySet[Unit]:
    """The grassroots units expected to sign up: under the organising unit, valid in the
    contest's year. The unit tree is at most city > bloc > grassroots, so three levels of
    parents reach every grassroots unit without walking the tree query by query."""
    organiser = contest.organising_unit_id
    return Unit.objects.filter(
        Q(parent_id=organiser)
        | Q(parent__parent_id=organiser)
        | Q(parent__parent__parent_id=organiser),
        valid_in(contest.year),
        level=Unit.Level.GRASSROOTS,
    )


def signup_by_unit(contest: Contest) -> Signup:
    """Every expected unit with its entries by status, and any other unit that entered;
    expected units first, each group in Vietnamese alphabetical order."""
    units = {
        pk: UnitSignup(name, expected=True)
        for pk, name in expected_units(contest).values_list("pk", "name")
    }
    for unit_id, name, status, count in (
        Entry.objects.filter(contest=contest)
        .values_list("unit_id", "unit__name", "status")
        .annotate(count=Count("id"))
        .order_by()
    ):
        units.setdefault(unit_id, UnitSignup(name, expected=False)).counts[status] = count
    return Signup(sorted(units.values(), key=lambda unit: (not unit.expected, sort_key(unit.name))))


def approval_queue(contest: Contest) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(contest=contest, status=Entry.Status.PENDING)
        .select_related("unit", "initiative")
        .order_by("created_at", "id")
    )


def entries_by_field(contest: Contest) -> list[charts.Bar]:
    """Entries in play by their initiative's field: the contest's accepted fields (every
    field when it accepts all), with any other field an entry has."""
    counts = dict(
        Entry.objects.filter(contest=contest, status__in=IN_PLAY)
        .values_list("initiative__field")
        .annotate(count=Count("id"))
        .order_by()
    )
    shown = [code for code in Field.values if code in (contest.allowed_fields or Field.values)]
    shown += [code for code in counts if code not in shown]
    labels = dict(Field.choices)
    return [charts.Bar(str(labels.get(code, code)), Decimal(counts.get(code, 0))) for code in shown]


# --------------------------------------------------------------------------- rounds


def round_statuses(contest: Contest) -> list[RoundStatus]:
    rounds = list(
        Round.objects.filter(contest=contest)
        .annotate(
            schedule_version=Max("schedule_versions__number"),
            schedule_published_at=Max("schedule_versions__published_at"),
        )
        .order_by("sequence")
    )
    sessions = session_statuses(contest)
    sheets = sheets_by_round(contest)
    newest, published = rankings_shown(contest)
    return [
        RoundStatus(
            round=round,
            sessions=sessions.get(round.pk, []),
            schedule_version=round.schedule_version,
            schedule_published_at=round.schedule_published_at,
            counted_sheets=sheets.get(round.pk, (0, ""))[0],
            newest=newest.get(round.pk),
            published=published.get(round.pk),
            stale=round.pk in sheets
            and (
                round.pk not in newest or newest[round.pk].sheets_fingerprint != sheets[round.pk][1]
            ),
        )
        for round in rounds
    ]


def session_statuses(contest: Contest) -> dict[int, list[SessionStatus]]:
    """Each round's sessions with their slots, whether drawn, and their judging progress as
    the head judge's console counts it: a sheet per seat and entry, except the judge's own
    unit's entries; abstaining or declaring a conflict is a submitted sheet too."""
    sessions = (
        Session.objects.filter(round__contest=contest)
        .select_related("room", "panel")
        .annotate(
            slot_count=Count("slots"),
            drawn=Exists(Draw.objects.filter(session=OuterRef("pk"), is_current=True)),
        )
        .order_by("starts_at", "name", "pk")
    )
    expected = {
        row["session_id"]: row["seats"] - row["own_unit"]
        for row in Slot.objects.filter(round__contest=contest, session__panel__isnull=False)
        .values("session_id")
        .annotate(
            seats=Count("session__panel__seats"),
            own_unit=Count(
                "session__panel__seats",
                filter=Q(session__panel__seats__unit_id=F("entry__unit_id")),
            ),
        )
        .order_by()
    }
    # Only sheets of a judge seated on the panel of the session the entry presents in; one
    # filter() call, so the slot and the seat are the very rows joined once.
    done = {
        row["entry__slots__session_id"]: row
        for row in ScoreSheet.objects.filter(
            round__contest=contest,
            entry__slots__round_id=F("round_id"),
            entry__slots__session__panel__seats__judge_id=F("judge_id"),
        )
        .values("entry__slots__session_id")
        .annotate(
            submitted=Count("id", filter=Q(status__in=COUNTED)),
            drafts=Count("id", filter=Q(status=ScoreSheet.Status.DRAFT)),
        )
        .order_by()
    }
    result: dict[int, list[SessionStatus]] = defaultdict(list)
    for session in sessions:
        sheets = done.get(session.pk, {})
        result[session.round_id].append(
            SessionStatus(
                session=session,
                slots=session.slot_count,
                drawn=session.drawn,
                expected_sheets=expected.get(session.pk, 0),
                submitted_sheets=sheets.get("submitted", 0),
                draft_sheets=sheets.get("drafts", 0),
            )
        )
    return result


def sheets_by_round(contest: Contest) -> dict[int, tuple[int, str]]:
    """Per round with counted sheets or penalties: the number of counted sheets and their
    fingerprint, as scoring.selectors.rounds_needing_ranking computes it, for this contest."""
    sheets = {
        round_id: (count, versions)
        for round_id, count, versions in ScoreSheet.objects.filter(
            round__contest=contest, status__in=COUNTED
        )
        .values_list("round_id")
        .annotate(count=Count("id"), versions=Sum("version"))
        .order_by()
    }
    penalties = {
        round_id: (count, newest)
        for round_id, count, newest in Penalty.objects.filter(round__contest=contest)
        .values_list("round_id")
        .annotate(count=Count("id"), newest=Max("id"))
        .order_by()
    }
    return {
        round_id: (
            sheets.get(round_id, (0, 0))[0],
            fingerprint(*sheets.get(round_id, (0, 0)), *penalties.get(round_id, (0, 0))),
        )
        for round_id in set(sheets) | set(penalties)
    }


def rankings_shown(contest: Contest) -> tuple[dict[int, Ranking], dict[int, Ranking]]:
    """Each round's newest and published snapshots (often the same one); never the versions
    in between, of which a busy round has many."""
    newest_version = (
        Ranking.objects.filter(round=OuterRef("round")).order_by("-version").values("version")[:1]
    )
    newest: dict[int, Ranking] = {}
    published: dict[int, Ranking] = {}
    for ranking in (
        Ranking.objects.filter(round__contest=contest)
        .filter(Q(is_published=True) | Q(version=Subquery(newest_version)))
        .defer("parameters", "changes")
        .order_by("round_id", "-version")
    ):
        newest.setdefault(ranking.round_id, ranking)
        if ranking.is_published:
            published[ranking.round_id] = ranking
    return newest, published


def scores_of(rounds: list[RoundStatus]) -> dict[int, list[Decimal]]:
    """The standings' scores of each charted snapshot, by ranking id."""
    charted = [status.charted.pk for status in rounds if status.charted]
    scores: dict[int, list[Decimal]] = defaultdict(list)
    if charted:
        for ranking_id, score in Standing.objects.filter(ranking_id__in=charted).values_list(
            "ranking_id", "score"
        ):
            scores[ranking_id].append(score)
    return scores


def judge_names(rounds: list[RoundStatus]) -> dict[str, str]:
    """Names, in Vietnamese order, of the judges in the charted snapshots' bias figures."""
    ids = {
        judge
        for status in rounds
        if status.charted
        for judge in status.charted.analytics.get("judge_bias", {})
    }
    wanted = [int(judge) for judge in ids if judge.isdigit()]
    if not wanted:
        return {}
    users = get_user_model().objects.filter(pk__in=wanted).select_related("person")
    return {str(user.pk): display_name(user) for user in users}


# --------------------------------------------------------------------------- charts


def draw_charts(board: Dashboard, scores: dict[int, list[Decimal]], names: dict[str, str]) -> None:
    board.field_chart = charts.bar_chart(
        board.entries_by_field,
        title=_("Entries by field"),
        description=_("Entries awaiting approval or approved, by the field of the initiative."),
        headers=(_("Field"), _("Entries")),
        ident="chart-fields",
    )
    for status in board.rounds:
        status.score_chart = score_chart(status, scores)
        status.bias_chart = bias_chart(status, names)


def _snapshot_words(ranking: Ranking) -> str:
    if ranking.is_published:
        return _("published ranking version %(version)s") % {"version": ranking.version}
    return _("ranking version %(version)s, not published") % {"version": ranking.version}


def score_chart(status: RoundStatus, scores: dict[int, list[Decimal]]) -> SafeString:
    ranking = status.charted
    values = scores.get(ranking.pk, []) if ranking else []
    description = (
        _("How many entries scored in each band, from the %(snapshot)s.")
        % {"snapshot": _snapshot_words(ranking)}
        if ranking
        else _("No ranking has been computed for this round yet.")
    )
    return charts.histogram(
        values,
        title=_("Scores · %(round)s") % {"round": status.round.name},
        description=description,
        headers=(_("Score"), _("Entries")),
        ident=f"chart-scores-{status.round.pk}",
    )


def bias_chart(status: RoundStatus, names: dict[str, str]) -> SafeString:
    ranking = status.charted
    bias = ranking.analytics.get("judge_bias", {}) if ranking else {}
    bars = sorted(
        (charts.Bar(names.get(judge, judge), Decimal(value)) for judge, value in bias.items()),
        key=lambda bar: (-bar.value, sort_key(bar.label)),
    )
    if ranking is None:
        description = _("No ranking has been computed for this round yet.")
    elif ranking.method in PLACING_METHODS:
        description = _(
            "Each judge's mean difference from the panel's mean placing of the same entries, "
            "from the %(snapshot)s; above the panel: placing entries lower down."
        ) % {"snapshot": _snapshot_words(ranking)}
    else:
        description = _(
            "Each judge's mean difference from the panel's mean score of the same entries, "
            "from the %(snapshot)s; above the panel: more generous."
        ) % {"snapshot": _snapshot_words(ranking)}
    return charts.deviation_chart(
        bars,
        title=_("Judges' deviation from the panel · %(round)s") % {"round": status.round.name},
        description=description,
        headers=(_("Judge"), _("Deviation")),
        ident=f"chart-bias-{status.round.pk}",
        decimals=ranking.decimals if ranking else 2,
    )
