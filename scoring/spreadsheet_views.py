"""Spreadsheet downloads of the scoring app that are not a round's: the contest's awards."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _

from config.spreadsheets import xlsx_response
from contest.models import Contest, EntryPresenter, Role
from contest.selectors import require_role
from scoring.exports import AwardRow, awards_workbook
from scoring.models import Award, Standing


@login_required
def contest_awards_xlsx(request, slug):
    """The prizes of the contest's published results, a row per award with its rank, score,
    unit, initiative and presenters."""
    contest = get_object_or_404(Contest, slug=slug)
    require_role(request.user, contest, Role.ORGANISER, Role.SECRETARY)
    awards = list(
        Award.objects.filter(ranking__round__contest=contest, ranking__is_published=True)
        .select_related("prize", "ranking__round", "entry__unit", "entry__initiative")
        .prefetch_related(
            Prefetch(
                "entry__presenter_links",
                queryset=EntryPresenter.objects.select_related("person").order_by("order"),
            )
        )
        .order_by("ranking__round__sequence", "prize__order", "entry_id")
    )
    if not awards:
        raise Http404(_("No prize has been awarded in published results yet."))
    standings = {
        (standing.ranking_id, standing.entry_id): standing
        for standing in Standing.objects.filter(
            ranking_id__in={award.ranking_id for award in awards},
            entry_id__in={award.entry_id for award in awards},
        )
    }
    rows = []
    with translation.override("vi"):  # the file's headers and labels are Vietnamese
        for award in awards:
            standing = standings.get((award.ranking_id, award.entry_id))
            entry = award.entry
            rows.append(
                AwardRow(
                    round=award.ranking.round.name,
                    prize=award.prize.name,
                    rank=standing.rank if standing else None,
                    score=(
                        standing.score.quantize(Decimal(1).scaleb(-award.ranking.decimals))
                        if standing
                        else None
                    ),
                    unit=entry.unit.name,
                    title=entry.initiative.title,
                    field=str(entry.initiative.get_field_display()),
                    presenters=[link.person.full_name for link in entry.presenter_links.all()],
                )
            )
    return xlsx_response(awards_workbook(rows), f"Giải thưởng - {contest.name}.xlsx")
