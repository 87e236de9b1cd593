"""Reading people, as the access policy lets the reader see them (``vip.core.access.policy``):

- peer support workers: the people on their own caseload, and the people behind referrals
  assigned to them;
- police and program managers: everyone (identification needs it);
- analysts and administrators: no person-level data (analysts use de-identified exports
  and aggregates).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from rapidfuzz import fuzz, process

from vip.core.access import Rows, rows, selects, visible
from vip.core.text import fold
from vip.people.models import Correction, Person, PersonAlias, PersonLink

# Fuzzy matching looks at this many candidates at most, and keeps scores from this value.
FUZZY_CANDIDATES = 5000
FUZZY_CUTOFF = 80
# On PostgreSQL, close spellings are first found through the trigram index: a name qualifies
# when some part of it shares this share of its trigrams with a typed word. It is looser than
# FUZZY_CUTOFF ("lopez" and "lpoez" share a third), so that index never hides what the
# scoring below would keep.
TRIGRAM_THRESHOLD = 0.3
# People found through an alias, per typed word, at most.
MAX_ALIAS_HITS = 1000


@selects(Person)
def person_list(*, user: Any) -> QuerySet[Person]:
    return visible(Person.objects.select_related("area"), user)


def person_get(*, user: Any, person_id: int) -> Person:
    """One person, or ``Person.DoesNotExist`` when the viewer may not see them (a 404, not a 403)."""
    return person_list(user=user).get(pk=person_id)


def confirmed_duplicate_of(*, user: Any, person: Person) -> tuple[PersonLink | None, bool]:
    """Was ``person`` confirmed to be another record's duplicate? The link, and whether the reader
    sees the kept record. ``person`` is a record the reader sees (the caller got it through
    ``person_list``): that it is a duplicate is part of it; the link's evidence and decisions
    stay with the managers (``person_link_list``)."""
    link = (
        PersonLink.objects.filter(duplicate=person, status=PersonLink.Status.CONFIRMED)
        .select_related("kept")
        .only("pk", "kept_id", "kept__key", "duplicate_id", "status")
        .first()
    )
    if link is None:
        return None, False
    return link, person_list(user=user).filter(pk=link.kept_id).exists()


def person_link_list(*, user: Any) -> QuerySet[PersonLink]:
    """Links between records of one person, proposed and decided (program managers)."""
    return visible(PersonLink.objects.all(), user)


@dataclass(frozen=True)
class SearchHit:
    person: Person
    score: int  # 100: every word found as typed (accents and case aside); lower: a close spelling
    how: str  # "name", "alias", "date of birth" or "similar spelling"
    # A record confirmed to be another record's duplicate is labelled so, not shown as a person
    # of its own: ``linked`` is true, and ``linked_to`` is the kept record if the viewer sees it.
    linked: bool = False
    linked_to: Person | None = None


_DATE_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DATE_US = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def _split_query(query: str) -> tuple[dt.date | None, list[str]]:
    born = None
    for pattern, order in ((_DATE_ISO, (0, 1, 2)), (_DATE_US, (2, 0, 1))):
        match = pattern.search(query)
        if match:
            parts = [int(match.group(i + 1)) for i in order]
            try:
                born = dt.date(parts[0], parts[1], parts[2])
            except ValueError:
                born = None
            query = query[: match.start()] + " " + query[match.end() :]
            break
    return born, fold(query).split()


def _closeness(words: list[str], name: str) -> int:
    """How well the typed words match a name: each word against its closest name word, averaged."""
    parts = name.split()
    if not parts:
        return 0
    return round(sum(process.extractOne(w, parts, scorer=fuzz.ratio)[1] for w in words) / len(words))


def person_matches(*, user: Any, query: str) -> QuerySet[Person]:
    """Everyone the reader sees whose name or an alias holds every typed word, accents and case
    folded *in the database* (the stored folded name, ``search_name``; on PostgreSQL through its
    trigram index), narrowed to a typed date of birth; in name order. A queryset: its count is
    the true count, and it pages in the database. Nothing typed: nobody."""
    born, words = _split_query(query)
    people = person_list(user=user)
    if born is not None:
        people = people.filter(date_of_birth=born)
    if not words:
        return people.order_by("last_name", "first_name", "pk") if born is not None else people.none()
    for word in words:
        # The word in the person's name, or in one of their aliases. The aliases are looked up
        # first (few people have any), so that the people query stays on one table, where
        # PostgreSQL combines the trigram index with the primary key.
        aliased = list(
            PersonAlias.objects.filter(search_name__contains=word).values_list("person_id", flat=True)[:MAX_ALIAS_HITS]
        )
        people = people.filter(
            Q(search_name__contains=word) | Q(pk__in=aliased) if aliased else Q(search_name__contains=word)
        )
    # Ordered case-insensitively, which is also what keeps PostgreSQL on the trigram index: an
    # ORDER BY the (last_name, first_name) index could provide tempts the planner into walking
    # that whole index for a rare word ("Yazzie" at the far end of the alphabet).
    return people.order_by(Lower("last_name"), Lower("first_name"), "pk")


def match_hits(*, user: Any, query: str, people: list[Person]) -> list[SearchHit]:
    """One page of ``person_matches`` as hits: how each was found, and the confirmed duplicates
    labelled with the record they were linked into."""
    _, words = _split_query(query)
    hits = [
        SearchHit(
            p, 100, "date of birth" if not words else "name" if all(w in p.search_name for w in words) else "alias"
        )
        for p in people
    ]
    return _label_linked(user, hits)


def person_suggestions(
    *, user: Any, query: str, limit: int = 10, matches: QuerySet[Person] | None = None
) -> list[SearchHit]:
    """Close spellings ("Garsia" for "García") among the people ``person_matches`` does not find,
    best first: suggestions, shown apart from the matches (they are not counted with them).
    ``matches``: the caller's ``person_matches`` of the same user and query, if it has it (its
    alias lookups are then not run again)."""
    born, words = _split_query(query)
    if not words:
        return []
    people = person_list(user=user)
    if born is not None:
        people = people.filter(date_of_birth=born)
    if matches is None:
        matches = person_matches(user=user, query=query)
    exact = matches.order_by().values("pk")
    candidates: dict[int, str] | None = None
    if connection.vendor == "postgresql" and rows(user, Person) != Rows.ALL:
        # A peer's few dozen people are scored whole: the trigram index would look through the
        # whole city's names first (tens of milliseconds) to narrow a list this short. The index
        # only ever narrows to a superset of what the scoring keeps, so the result is the same.
        # (The matches are left out here, not in the query: a NOT IN there costs the same scan.)
        mine = dict(people.values_list("pk", "search_name")[: FUZZY_CANDIDATES + 1])
        if len(mine) <= FUZZY_CANDIDATES:
            matched = set(exact.values_list("pk", flat=True))
            candidates = {pk: name for pk, name in mine.items() if pk not in matched}
    if candidates is None:
        others = people.filter(_close_spellings(words)).exclude(pk__in=exact)
        candidates = dict(others.values_list("pk", "search_name")[:FUZZY_CANDIDATES])
    scored = sorted(
        ((score, key) for key, name in candidates.items() if (score := _closeness(words, name)) >= FUZZY_CUTOFF),
        key=lambda sk: (-sk[0], sk[1]),
    )[:limit]
    if not scored:
        return []
    close = people.in_bulk([key for _, key in scored])
    hits = [SearchHit(close[key], score, "similar spelling") for score, key in scored]
    hits.sort(key=lambda h: (-h.score, h.person.last_name.casefold(), h.person.first_name.casefold(), h.person.pk))
    return _label_linked(user, hits)


def person_search(*, user: Any, query: str, limit: int = 25) -> list[SearchHit]:
    """Find people by name, alias or date of birth, forgiving accents, case and small typos:
    the first ``limit`` matches (``person_matches``) and, when they are fewer, close spellings
    (``person_suggestions``) after them. (The people page pages through every match instead.)
    A date (``2001-05-06`` or ``5/6/2001``) narrows to that date of birth.
    """
    matches = person_matches(user=user, query=query)
    found = match_hits(user=user, query=query, people=list(matches[:limit]))
    if len(found) < limit:
        found += person_suggestions(user=user, query=query, limit=limit - len(found), matches=matches)
    return found


def _label_linked(user: Any, hits: list[SearchHit]) -> list[SearchHit]:
    """Mark the hits that are the duplicate side of a confirmed link, with the kept record."""
    # Which hits were confirmed to be another record: read as the operator (the label is shown
    # to whoever sees the hit; the kept record only to whoever sees it).
    kept_of = dict(
        PersonLink.objects.filter(
            status=PersonLink.Status.CONFIRMED, duplicate_id__in=[h.person.pk for h in hits]
        ).values_list("duplicate_id", "kept_id")
    )
    if not kept_of:
        return hits
    visible = person_list(user=user).in_bulk(set(kept_of.values()))
    return [
        SearchHit(h.person, h.score, h.how, linked=True, linked_to=visible.get(kept_of[h.person.pk]))
        if h.person.pk in kept_of
        else h
        for h in hits
    ]


def _close_spellings(words: list[str]) -> Q:
    """Names that may be a close spelling of every typed word, for the scoring to judge.

    PostgreSQL: names sharing enough trigrams with each word (the trigram index answers it).
    SQLite: names with a part starting with the first letter of each word.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(TRIGRAM_THRESHOLD)]
            )
        close = Q()
        for word in words:
            close &= Q(search_name__trigram_word_similar=word)
        return close
    initials = Q()
    for word in words:
        initials &= Q(search_name__startswith=word[0]) | Q(search_name__contains=f" {word[0]}")
    return initials


@selects(Correction)
def correction_list(*, user: Any, kinds: set[str] | None = None) -> QuerySet[Correction]:
    """The corrections and voidings the reader sees (a peer: their caseload's; a manager: all),
    of the kinds of record in ``kinds`` (``app_label.modelname``: the kinds the reader's role
    sees, which the caller works out from the access policy): never the history of a record the
    reader may not see at all."""
    found = visible(Correction.objects.select_related("corrected_by"), user)
    return found if kinds is None else found.filter(target_type__in=sorted(kinds))


@selects(PersonAlias)
def alias_list(*, user: Any) -> QuerySet[PersonAlias]:
    """Other names of the people the reader sees (a peer worker: their caseload's)."""
    return visible(PersonAlias.objects.all(), user)
