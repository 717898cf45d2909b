from django.db.models import F, Max, Prefetch, Q, QuerySet

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


def rounds_needing_ranking() -> QuerySet[Round]:
    """Rounds whose submitted sheets changed after their newest snapshot was computed."""
    submitted = Q(score_sheets__status__in=[ScoreSheet.Status.SUBMITTED, ScoreSheet.Status.LOCKED])
    return (
        Round.objects.annotate(
            sheets_changed=Max("score_sheets__updated_at", filter=submitted),
            snapshot_saw=Max("rankings__sheets_changed_at"),
        )
        .filter(sheets_changed__isnull=False)
        .filter(Q(snapshot_saw__isnull=True) | Q(sheets_changed__gt=F("snapshot_saw")))
    )
