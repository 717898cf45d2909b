"""A contest's public results as served: one JSON document per contest, built from the
published snapshots only (scoring.publication decides what a ceremony hides), and kept in the
cache (Redis in production), with the last one each process served kept in memory, so that a
hall full of phones costs no query and, most of the time, no cache read.

Freshness: every change to what is published bumps the contest's generation, at once and
again when its transaction commits (`forget`); a document is cached under the generation it
was built from, so a reader that built one from the old state can only store it where nobody
looks any more. Each process rereads the generation at most once a second (GENERATION_SECONDS).
Anything else a document shows (an entry's title corrected, a unit renamed) is picked up
within CACHE_SECONDS.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import orjson
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils.http import http_date

from contest.collation import sort_key
from contest.models import Contest, EntryPresenter
from contest.templatetags.people import display_name
from scoring import publication
from scoring.models import Award, Criterion, PublicationEvent, Ranking, Reveal, Standing

CACHE_SECONDS = 300
PREFIX = "public-results"


@dataclass(frozen=True)
class PublicResults:
    body: bytes  # the JSON document
    etag: str  # quoted, as sent
    last_modified: float  # POSIX time

    @property
    def last_modified_http(self) -> str:
        return http_date(self.last_modified)


def _generation_key(slug: str) -> str:
    return f"{PREFIX}:generation:{slug}"


# Each process reads a contest's generation from the cache at most once a second: a publish
# shows everywhere within a second (the board polls every two), and a request for unchanged
# results costs no cache round trip at all.
GENERATION_SECONDS = 1.0
_generations: dict[str, tuple[int, float]] = {}


def _generation(slug: str) -> int:
    known = _generations.get(slug)
    if known is not None and known[1] > time.monotonic():
        return known[0]
    generation = _read_generation(slug)
    _generations[slug] = (generation, time.monotonic() + GENERATION_SECONDS)
    return generation


def _read_generation(slug: str) -> int:
    generation = cache.get(_generation_key(slug))
    if generation is None:
        # A new or evicted generation starts from the clock, never from a number used before.
        cache.add(_generation_key(slug), time.time_ns(), timeout=None)
        generation = cache.get(_generation_key(slug))
    return generation


def forget(slug: str) -> None:
    """What the public may see of the contest changed: serve a fresh document."""

    def bump() -> None:
        try:
            cache.incr(_generation_key(slug))
        except ValueError:  # no generation yet: any new one is fresh
            cache.add(_generation_key(slug), time.time_ns(), timeout=None)

    def bump_here_and_everywhere() -> None:
        bump()
        _generations.pop(slug, None)  # this process sees it at once, the others within 1 s

    # Now, for readers inside this transaction; and again once it commits, since a reader
    # outside it may meanwhile have rebuilt the document from the state before.
    bump_here_and_everywhere()
    transaction.on_commit(bump_here_and_everywhere)


def forget_all() -> None:
    """Every cached document goes (after a restore, or a change of the document's shape)."""
    _served.clear()
    _generations.clear()
    if hasattr(cache, "delete_pattern"):  # django-redis
        cache.delete_pattern(f"{PREFIX}:*")
    else:
        cache.clear()


# The last document each process served per contest, by cache key: a request for an unchanged
# document then costs one cache read (the generation) instead of two and no unpickling.
# Kept no longer than the cache keeps it, so that what no generation tracks still shows.
_served: dict[str, tuple[str, float, PublicResults]] = {}


def public_results(slug: str) -> PublicResults | None:
    """The contest's public document, from the cache when it is there; None: no contest."""
    key = f"{PREFIX}:document:{slug}:{_generation(slug)}"
    served = _served.get(slug)
    if served is not None and served[0] == key and served[1] > time.monotonic():
        return served[2]
    cached = cache.get(key)
    if cached is not None:
        results = PublicResults(*cached)
        _served[slug] = (key, time.monotonic() + CACHE_SECONDS, results)
        return results
    contest = Contest.objects.select_related("organising_unit").filter(slug=slug).first()
    if contest is None:
        return None
    document, last_modified = build_document(contest)
    body = orjson.dumps(document)
    results = PublicResults(
        body=body,
        etag=f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"',
        last_modified=last_modified,
    )
    cache.set(key, (results.body, results.etag, results.last_modified), CACHE_SECONDS)
    return results


def round_documents(contest: Contest) -> tuple[list[Ranking], list[dict]]:
    """The published rankings of the contest, each with its whole round document (every
    standing, and `reveal_order`), before a ceremony hides anything."""
    from scoring.api.serializers import place_number, ranking_quantum

    rankings = list(
        Ranking.objects.filter(round__contest=contest, is_published=True)
        .select_related("round", "reveal")
        .prefetch_related(
            Prefetch(
                "standings",
                queryset=Standing.objects.select_related("entry__initiative", "entry__unit"),
            ),
            Prefetch("awards", queryset=Award.objects.select_related("prize")),
        )
        .order_by("round__sequence", "round_id")
    )
    entry_ids = [s.entry_id for ranking in rankings for s in ranking.standings.all()]
    presenters = defaultdict(list)
    for link in (
        EntryPresenter.objects.filter(entry_id__in=entry_ids)
        .select_related("person")
        .order_by("entry_id", "order")
    ):
        presenters[link.entry_id].append(link.person.full_name)
    criteria = defaultdict(list)  # round id → its criteria, in the rubric's order
    if contest.public_criterion_averages:
        for criterion in (
            Criterion.objects.filter(rubric__round_id__in=[r.round_id for r in rankings])
            .select_related("rubric")
            .order_by("order", "id")
        ):
            criteria[criterion.rubric.round_id].append(criterion)
    judge_names = {}
    if contest.public_judge_marks:
        judge_ids = {
            int(judge)
            for ranking in rankings
            for standing in ranking.standings.all()
            for judge in standing.details.get("judges", {})
            if str(judge).isdigit()
        }
        judge_names = {
            str(user.pk): display_name(user)
            for user in get_user_model().objects.filter(pk__in=judge_ids).select_related("person")
        }
    documents = []
    for ranking in rankings:
        quantum = ranking_quantum(ranking)
        prizes = {award.entry_id: award.prize for award in ranking.awards.all()}
        round_criteria = criteria.get(ranking.round_id, [])
        by_entry = {standing.entry_id: standing for standing in ranking.standings.all()}
        standings = []
        for standing in sorted(ranking.standings.all(), key=lambda s: (s.rank, s.id)):
            entry = standing.entry
            prize = prizes.get(entry.pk)
            line = {
                "rank": place_number(standing.rank),
                "entry_id": entry.pk,
                "initiative_title": entry.initiative.title,
                "unit": entry.unit.name,
                "presenters": presenters.get(entry.pk, []),
                "score": str(standing.score.quantize(quantum)),
                "judges_counted": standing.judges_counted,
                "prize": prize.name if prize else None,
                "prize_tier": prize.tier if prize else None,
            }
            if round_criteria:
                averages = standing.details.get("criteria", {})
                line["criteria"] = {c.code: averages.get(c.code) for c in round_criteria}
            if contest.public_judge_marks:
                line["judges"] = [
                    {"judge": judge_names.get(str(judge), ""), "score": score}
                    for judge, score in sorted(
                        standing.details.get("judges", {}).items(),
                        key=lambda item: sort_key(judge_names.get(str(item[0]), "")),
                    )
                ]
            standings.append(line)
        order = publication.reveal_order(
            [
                publication.AwardLine(
                    entry=award.entry_id,
                    tier=award.prize.tier,
                    prize_order=award.prize.order,
                    rank=by_entry[award.entry_id].rank,
                    sort_key=sort_key(by_entry[award.entry_id].entry.initiative.title),
                )
                for award in ranking.awards.all()
                if award.entry_id in by_entry
            ]
        )
        document = {
            "id": ranking.pk,
            "round_id": ranking.round_id,
            "round": ranking.round.name,
            "version": ranking.version,
            "method": ranking.method,
            "decimals": ranking.decimals,
            "published_at": ranking.published_at.isoformat(),
            "standings": standings,
            "reveal_order": [line.entry for line in order],
        }
        if round_criteria:
            document["criteria"] = [{"code": c.code, "name": c.name} for c in round_criteria]
        documents.append(document)
    return rankings, documents


def build_document(contest: Contest) -> tuple[dict, float]:
    """The public document of a contest and when what it shows last changed. Nothing that is
    not published: no draft or newer version, no judge's marks unless the contest releases
    them, no prize a ceremony has not revealed yet. A fixed number of queries."""
    rankings, documents = round_documents(contest)
    rounds = []
    for ranking, document in zip(rankings, documents, strict=True):
        reveal = reveal_of(ranking)
        rounds.append(
            publication.visible_round(
                document, None if reveal is None else (reveal.revealed, reveal.finished)
            )
        )
    last_event = PublicationEvent.objects.filter(contest=contest).aggregate(at=Max("at"))["at"]
    times = [t for t in [last_event, *(r.published_at for r in rankings)] if t is not None]
    last_modified: datetime | float = max(times) if times else contest.created_at
    return (
        {
            "contest": {
                "slug": contest.slug,
                "name": contest.name,
                "year": contest.year,
                "organiser": contest.organising_unit.name,
                "colour": contest.brand_colour,
                "status": contest.status,
            },
            "rounds": rounds,
        },
        last_modified.timestamp(),
    )


def reveal_of(ranking: Ranking) -> Reveal | None:
    try:
        return ranking.reveal
    except Reveal.DoesNotExist:
        return None


@dataclass
class Ceremony:
    """A round's prize ceremony as the organiser's remote shows it."""

    ranking: Ranking
    reveal: Reveal
    order: list[dict]  # every award card, in reveal order

    @property
    def shown(self) -> dict | None:
        return self.order[self.reveal.revealed - 1] if self.reveal.revealed else None

    @property
    def next(self) -> dict | None:
        return None if self.reveal.finished else self.order[self.reveal.revealed]


def ceremonies(contest: Contest) -> list[Ceremony]:
    """The contest's prize ceremonies, in round order: what the board shows, what comes next."""
    rankings, documents = round_documents(contest)
    found = []
    for ranking, document in zip(rankings, documents, strict=True):
        reveal = reveal_of(ranking)
        if reveal is None:
            continue
        whole = publication.visible_round(document, (reveal.total, True))
        found.append(Ceremony(ranking=ranking, reveal=reveal, order=whole["reveal"]["revealed"]))
    return found
