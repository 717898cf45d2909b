from django.db.models import Count, Prefetch, QuerySet, Sum

from contest.models import Contest
from scheduling.models import Round
from scoring.models import Award, Ranking, ScoreSheet, Standing


def _with_standings(rankings: QuerySet[Ranking]) -> QuerySet[Ranking]:
    return rankings.select_related("round").prefetch_related(
        Prefetch(
            "standings",
            queryset=Standing.objects.select_related("entry__initiative", "entry__unit").order_by(
                "rank", "id"
            ),
        ),
        Prefetch("awards", queryset=Award.objects.select_related("prize")),
    )


def published_rankings(contest: Contest) -> QuerySet[Ranking]:
    """What the public may see: the published snapshot of each round, with standings."""
    return _with_standings(
        Ranking.objects.filter(round__contest=contest, is_published=True)
    ).order_by("round__sequence")


def rankings_for_review(round: Round) -> QuerySet[Ranking]:
    return _with_standings(Ranking.objects.filter(round=round)).order_by("-version")


def newest_ranking(round: Round) -> Ranking | None:
    return Ranking.objects.filter(round=round).order_by("-version").first()


def sheets_of_judge(judge, round: Round) -> QuerySet[ScoreSheet]:
    """A judge sees only their own sheets."""
    return (
        ScoreSheet.objects.filter(judge=judge, round=round)
        .prefetch_related("marks__criterion")
        .order_by("entry_id")
    )


# Sheets that count in rankings; drafts never do.
COUNTED = [ScoreSheet.Status.SUBMITTED, ScoreSheet.Status.LOCKED]


def fingerprint(count: int, version_sum: int | None) -> str:
    """Changes whenever a counted sheet is added, removed or edited: every edit bumps the
    sheet's version, so the sum of versions only stays put when nothing changed."""
    return f"{count}:{version_sum or 0}"


def sheets_fingerprint(round: Round) -> str:
    seen = ScoreSheet.objects.filter(round=round, status__in=COUNTED).aggregate(
        count=Count("id"), versions=Sum("version")
    )
    return fingerprint(seen["count"], seen["versions"])


def rounds_needing_ranking() -> list[int]:
    """Ids of rounds whose counted sheets changed after their newest snapshot was computed."""
    current = {
        row["round_id"]: fingerprint(row["count"], row["versions"])
        for row in ScoreSheet.objects.filter(status__in=COUNTED)
        .values("round_id")
        .annotate(count=Count("id"), versions=Sum("version"))
    }
    newest = {}
    for round_id, seen in (
        Ranking.objects.filter(round_id__in=current)
        .order_by("round_id", "-version")
        .values_list("round_id", "sheets_fingerprint")
    ):
        newest.setdefault(round_id, seen)
    return sorted(round_id for round_id, seen in current.items() if newest.get(round_id) != seen)
