"""Which two person records may be one person: blocking, weighed evidence, a threshold.

The police, a hospital and the program spell the same person differently: a nickname
("Bobby" for Robert), a typo, first and last name swapped, one or two last names, accents,
a birth date with two digits swapped, day and month swapped, one digit wrong, or missing.
This module finds such pairs and explains each one; it never links anything itself
(``vip.people.linking.link_candidates_find`` turns the pairs into *proposals* that a program
manager confirms or rejects).

**Blocking.** Comparing every record with every other does not scale (a city of 150,000 people
is 11 billion pairs), so only records sharing a *block* are compared. A record's blocks are:

* its birth date;
* the sound of each part of its last name (Soundex) and its birth year;
* the sounds of its first name (nicknames first mapped to the common name) and of each part of
  its last name, in either order (first and last name swapped, birth date missing or wrong);
* its phone number, and its address;

for its own name and each of its other names (``PersonAlias``). A block holding more than
``MAX_BLOCK`` records (a phone or an address shared by many, a very common name without a
birth date) says too little to be worth comparing and is skipped; its records still meet
through their other blocks.

**Weighing** (Fellegi-Sunter style: each comparison adds a weight, roughly the log2 of how much
likelier the agreement is for one person's two records than for two different people; a pair
is proposed when the sum reaches ``THRESHOLD``). The weights, as used:

=====================  ==========================================================  ======
comparison             level                                                       weight
=====================  ==========================================================  ======
first name             the same (accents and case aside)                           +5
                       a common nickname of it (``NICKNAMES``)                     +4
                       one of the other record's other names (alias)               +4
                       one typo (one letter wrong, missing, extra or two swapped)  +4
                       one is the first part of the other ("Juan" / "Juan Carlos") +3
                       different                                                   -15
last name              the same                                                    +6
                       one part of a compound or hyphenated name ("García-López")  +5
                       one of the other record's other names (alias)               +4
                       one typo                                                    +5
                       different                                                   -10
names swapped          first and last name swapped (each side as above)            sum -1
common name            the same name (nicknames aside) held by n > 2 records       -log2(n/2)
birth date             the same                                                    +11
                       day and month swapped                                       +8
                       two neighbouring digits swapped                             +7
                       one digit different in the day or month                     +5
                       one digit different in the year (a brother, a cousin?)      +3
                       missing on either record                                    0
                       different                                                   -10
middle name            the same (both given)                                       +2
                       different (both given)                                      -2
sex                    different (both given)                                      -8
phone                  the same                                                    +1 to +5 (*)
address                the same                                                    +1 to +6 (*)
=====================  ==========================================================  ======

(*) A phone or address shared by many records (a family home, a shelter, an office number)
says less than one of a kind: the most when only the two records hold it, one less for every
doubling of the records that hold it, at least +1. A different phone or address weighs nothing: people move
and change numbers. ``THRESHOLD`` is 15: the same name and birth date (22) is proposed; the same
name with a nickname and two digits swapped (17) is; twins (same last name, birth date, address
and phone, different first names: 13) are not; nor are two people of one common name born
years apart.

The weights were tuned on demo cities of seeds other than the one ``bench/match_quality.py``
reports (see docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA, JaroWinkler

from vip.core.text import fold

THRESHOLD = 15.0
MAX_BLOCK = 60
BIRTH_DATE_DIFFERENT = -10.0
# The most a pair can score besides its birth dates: names (5 + 6), middle name, phone, address.
BEST_REST = 5.0 + 6.0 + 2.0 + 5.0 + 6.0

# Common given-name equivalents: every name of a row is the same name. Small and documented on
# purpose: a name not listed here is compared by spelling only.
NICKNAMES: tuple[tuple[str, ...], ...] = (
    ("robert", "bob", "bobby", "rob", "robbie", "bert"),
    ("william", "bill", "billy", "will", "willie", "liam"),
    ("richard", "rick", "ricky", "dick", "rich", "richie"),
    ("james", "jim", "jimmy", "jamie"),
    ("john", "johnny", "jack"),
    ("joseph", "joe", "joey"),
    ("michael", "mike", "mikey", "mick"),
    ("christopher", "chris", "topher"),
    ("anthony", "tony"),
    ("daniel", "dan", "danny"),
    ("david", "dave", "davey"),
    ("thomas", "tom", "tommy"),
    ("charles", "charlie", "chuck"),
    ("matthew", "matt"),
    ("joshua", "josh"),
    ("andrew", "andy", "drew"),
    ("nicholas", "nick", "nicky"),
    ("jonathan", "jon", "jonny"),
    ("benjamin", "ben", "benny"),
    ("samuel", "sam", "sammy"),
    ("alexander", "alex", "xander"),
    ("zachary", "zach", "zack"),
    ("timothy", "tim", "timmy"),
    ("steven", "steve", "stevie", "stephen"),
    ("edward", "ed", "eddie", "ted"),
    ("kenneth", "ken", "kenny"),
    ("ronald", "ron", "ronnie"),
    ("donald", "don", "donnie"),
    ("gregory", "greg"),
    ("patrick", "pat"),
    ("elizabeth", "liz", "beth", "betty", "lizzie"),
    ("jessica", "jess", "jessie"),
    ("jennifer", "jen", "jenny"),
    ("samantha", "sam", "sammy"),
    ("ashley", "ash"),
    ("amanda", "mandy"),
    ("stephanie", "steph"),
    ("katherine", "kate", "katie", "kathy", "catherine"),
    ("rebecca", "becky"),
    ("victoria", "vicky", "tori"),
    ("jose", "pepe", "chepe", "jose luis"),
    ("francisco", "paco", "pancho", "frank", "frankie"),
    ("jesus", "chuy", "chucho"),
    ("guillermo", "memo", "willy"),
    ("alejandro", "alex", "alejo", "jando"),
    ("roberto", "beto", "tito"),
    ("alberto", "beto"),
    ("eduardo", "lalo", "eddie"),
    ("ignacio", "nacho"),
    ("enrique", "kike", "quique"),
    ("manuel", "manny", "manolo"),
    ("rafael", "rafa", "rafi"),
    ("ricardo", "ricky", "richi"),
    ("antonio", "tono", "tony"),
    ("fernando", "nando"),
    ("gerardo", "jerry"),
    ("daniel", "dani"),
    ("luis", "lucho"),
    ("santiago", "santi", "chago"),
    ("maria", "mari", "maruca"),
    ("guadalupe", "lupe", "lupita"),
    ("isabel", "isa", "chabela"),
    ("isabella", "bella", "isa"),
    ("concepcion", "concha", "conchita"),
    ("dolores", "lola"),
    ("rosario", "chayo"),
    ("valeria", "vale"),
    ("alejandra", "ale", "alex"),
    ("gabriela", "gaby"),
    ("mariana", "mari"),
    ("daniela", "dani"),
)


def _nickname_groups() -> dict[str, frozenset[int]]:
    groups: dict[str, set[int]] = defaultdict(set)
    for i, row in enumerate(NICKNAMES):
        for name in row:
            groups[name].add(i)
    return {name: frozenset(ids) for name, ids in groups.items()}


_GROUPS = _nickname_groups()
_CANON = {name: NICKNAMES[min(ids)][0] for name, ids in _GROUPS.items()}


def canonical_first(name: str) -> str:
    """The common name a nickname stands for (``"bobby"`` -> ``"robert"``), else the name."""
    return _CANON.get(name, name)


def soundex(word: str) -> str:
    """American Soundex of a folded word (``"ramirez"`` -> ``"R562"``); ``""`` for no letters."""
    letters = [c for c in word if "a" <= c <= "z"]
    if not letters:
        return ""
    codes = {c: d for d, group in enumerate(("aeiouyhw", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r")) for c in group}
    out, last = [letters[0].upper()], codes[letters[0]]
    for c in letters[1:]:
        code = codes[c]
        if code and code != last:
            out.append(str(code))
        if c not in "hw":
            last = code
    return ("".join(out) + "000")[:4]


@dataclass
class Record:
    """What the matcher knows of one person record, folded once."""

    pk: int
    first: str
    last: str
    middle: str = ""
    born: dt.date | None = None
    sex: str = ""
    phone: str = ""
    address: str = ""
    # Other names (aliases) as (first, last, as written); "" where an alias gives no such part.
    aliases: list[tuple[str, str, str]] = field(default_factory=list)
    # The names as written, for the evidence.
    shown_first: str = ""
    shown_last: str = ""
    ymd: str = ""  # the birth date as YYYYMMDD, "" when unknown

    @classmethod
    def of(
        cls,
        pk: int,
        first: str,
        last: str,
        middle: str = "",
        born: dt.date | None = None,
        sex: str = "",
        phone: str = "",
        address: str = "",
        aliases: Iterable[tuple[str, str, str]] = (),
    ) -> Record:
        digits = "".join(c for c in phone if c.isdigit())[-10:]
        return cls(
            pk=pk,
            first=fold(first),
            last=fold(last),
            middle=fold(middle),
            born=born,
            sex=sex,
            phone=digits if len(digits) >= 7 else "",
            address=fold(address),
            aliases=[(fold(f), fold(la), n) for f, la, n in aliases],
            shown_first=first,
            shown_last=last,
            ymd=_ymd(born),
        )


@dataclass(frozen=True)
class Evidence:
    rule: str
    detail: str
    weight: float

    def as_json(self) -> dict[str, str]:
        return {"rule": self.rule, "detail": self.detail, "weight": f"{self.weight:+g}"}


@dataclass(frozen=True)
class Match:
    kept: int  # the older record (lower id)
    duplicate: int
    score: float
    evidence: list[Evidence]

    def evidence_json(self) -> list[dict[str, str]]:
        items = [e.as_json() for e in self.evidence]
        items.append(
            {
                "rule": "score",
                "detail": f"total weight {self.score:+g}; pairs from {THRESHOLD:g} are proposed",
                "weight": f"{self.score:+g}",
            }
        )
        return items


# --- names ---------------------------------------------------------------------------------


def _one_typo(a: str, b: str) -> bool:
    """One letter wrong, missing, extra, or two neighbours swapped (long names: a close spelling)."""
    if min(len(a), len(b)) < 3 or max(len(a), len(b)) < 4:
        return False
    distance = OSA.distance(a, b, score_cutoff=2)
    if distance <= 1:
        return True
    return distance == 2 and min(len(a), len(b)) >= 7 and JaroWinkler.similarity(a, b) >= 0.92


def _first_level(a: str, b: str) -> tuple[str, float]:
    if not a or not b:
        return "", 0.0
    if a == b:
        return "same", 5.0
    if _GROUPS.get(a, frozenset()) & _GROUPS.get(b, frozenset()):
        return "nickname", 4.0
    if _one_typo(a, b):
        return "typo", 4.0
    pa, pb = a.split(), b.split()
    if len(pa) != len(pb) and pa[0] == pb[0]:
        return "first_part", 3.0
    return "different", -15.0


def _last_level(a: str, b: str) -> tuple[str, float]:
    if not a or not b:
        return "", 0.0
    if a == b:
        return "same", 6.0
    pa, pb = set(a.split()), set(b.split())
    if (len(pa) > 1 or len(pb) > 1) and pa & pb:
        return "compound", 5.0
    if a.replace(" ", "") == b.replace(" ", ""):
        return "compound", 5.0
    if _one_typo(a, b):
        return "typo", 5.0
    return "different", -10.0


_FIRST_WORDS = {
    "same": "the same first name",
    "nickname": "a common nickname",
    "typo": "first names one typo apart",
    "first_part": "one first name is the start of the other",
    "different": "different first names",
}
_LAST_WORDS = {
    "same": "the same last name",
    "compound": "one of two last names (compound or hyphenated)",
    "typo": "last names one typo apart",
    "different": "different last names",
}


def _names(a: Record, b: Record) -> list[Evidence]:
    """The best reading of the two names: as written, swapped, or through an other name."""
    shown_a, shown_b = f"{a.shown_first} {a.shown_last}", f"{b.shown_first} {b.shown_last}"
    options: list[list[Evidence]] = []

    first, wf = _first_level(a.first, b.first)
    last, wl = _last_level(a.last, b.last)
    options.append(
        [
            Evidence(f"first_name_{first}", f"{_FIRST_WORDS[first]}: {a.shown_first} / {b.shown_first}", wf),
            Evidence(f"last_name_{last}", f"{_LAST_WORDS[last]}: {a.shown_last} / {b.shown_last}", wl),
        ]
    )
    cross_first, cf = _first_level(a.first, b.last)
    cross_last, cl = _last_level(a.last, b.first)
    if cross_first not in ("", "different") and cross_last not in ("", "different") and a.first != a.last:
        options.append(
            [Evidence("names_swapped", f"first and last name swapped: {shown_a} / {shown_b}", cf + cl - 1.0)]
        )
    for one, other, flip in ((a, b, False), (b, a, True)):
        for alias_first, alias_last, written in one.aliases:
            if alias_first:
                level, _ = _first_level(alias_first, other.first)
                if level in ("same", "nickname", "typo"):
                    rest, wr = _last_level(alias_last or one.last, other.last)
                    if rest not in ("", "different"):
                        who = f"{one.shown_first} {one.shown_last}"
                        options.append(
                            [
                                Evidence(
                                    "alias_first_name",
                                    f"{who} is also known as {written}: {other.shown_first}",
                                    4.0,
                                ),
                                Evidence(
                                    f"last_name_{rest}",
                                    f"{_LAST_WORDS[rest]}: {one.shown_last} / {other.shown_last}"
                                    if not flip
                                    else f"{_LAST_WORDS[rest]}: {other.shown_last} / {one.shown_last}",
                                    wr,
                                ),
                            ]
                        )
            if alias_last and alias_last != one.last:
                level, _ = _last_level(alias_last, other.last)
                if level in ("same", "compound", "typo"):
                    fl, wf2 = _first_level(alias_first or one.first, other.first)
                    if fl not in ("", "different"):
                        who = f"{one.shown_first} {one.shown_last}"
                        options.append(
                            [
                                Evidence(
                                    f"first_name_{fl}",
                                    f"{_FIRST_WORDS[fl]}: {one.shown_first} / {other.shown_first}",
                                    wf2,
                                ),
                                Evidence(
                                    "alias_last_name",
                                    f"{who} is also known as {written}: {other.shown_last}",
                                    4.0,
                                ),
                            ]
                        )
    return max(options, key=lambda items: sum(e.weight for e in items))


# --- birth dates ---------------------------------------------------------------------------


def birth_date_level(a: dt.date | None, b: dt.date | None) -> tuple[str, float]:
    """How two birth dates compare: the same, a typing slip of one another, missing, different."""
    return _ymd_level(_ymd(a), _ymd(b))


def _ymd(born: dt.date | None) -> str:
    return "" if born is None else f"{born.year:04d}{born.month:02d}{born.day:02d}"


def _ymd_level(x: str, y: str) -> tuple[str, float]:
    """``birth_date_level`` on ``YYYYMMDD`` strings ("" when unknown)."""
    if not x or not y:
        return "birth_date_missing", 0.0
    if x == y:
        return "birth_date_same", 11.0
    if x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6]:
        return "birth_date_day_month_swapped", 8.0
    diff = [i for i in range(8) if x[i] != y[i]]
    if len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]:
        return "birth_date_digits_swapped", 7.0
    if len(diff) == 1:
        # A year one digit off is also a brother or a cousin: it says less than a day or month.
        return ("birth_date_one_digit_year", 3.0) if diff[0] < 4 else ("birth_date_one_digit", 5.0)
    return "birth_date_different", BIRTH_DATE_DIFFERENT


_DATE_WORDS = {
    "birth_date_same": "the same birth date",
    "birth_date_day_month_swapped": "birth dates with day and month swapped",
    "birth_date_digits_swapped": "birth dates with two digits swapped",
    "birth_date_one_digit": "birth dates one digit apart (day or month)",
    "birth_date_one_digit_year": "birth years one digit apart",
    "birth_date_missing": "a birth date is missing",
    "birth_date_different": "different birth dates",
}


# --- the pair ------------------------------------------------------------------------------


class Matcher:
    """Blocks and weighs a set of records; ``matches()`` yields the pairs that reach the threshold."""

    def __init__(self, records: list[Record], threshold: float = THRESHOLD, max_block: int = MAX_BLOCK) -> None:
        self.records = {r.pk: r for r in records}
        self.threshold = threshold
        self.max_block = max_block
        self.name_counts = Counter((canonical_first(r.first), r.last) for r in records)
        phones = Counter(r.phone for r in records if r.phone)
        addresses = Counter(r.address for r in records if r.address)
        self.phone_weight = self._rarity(phones, 1.0, 5.0)
        self.address_weight = self._rarity(addresses, 1.0, 6.0)
        self.pairs_compared = 0
        self.blocks_skipped = 0

    @staticmethod
    def _rarity(counts: Counter[str], low: float, high: float) -> dict[str, float]:
        """``high`` for a value only two records hold, one less for every doubling, at least ``low``."""
        return {value: round(max(low, high - math.log2(max(n, 2) / 2)), 1) for value, n in counts.items()}

    @staticmethod
    def blocks(r: Record) -> Iterator[tuple[object, ...]]:
        names = [(r.first, r.last)] + [(f or r.first, la or r.last) for f, la, _ in r.aliases]
        if r.born is not None:
            yield ("d", r.born)
        for first, last in names:
            first_sound = soundex(canonical_first(first.split()[0] if first else ""))
            for part in last.split():
                sound = soundex(part)
                if not sound:
                    continue
                if r.born is not None:
                    yield ("y", sound, r.born.year)
                    yield ("y", first_sound, r.born.year)  # first and last name swapped
                yield ("n", *sorted((first_sound, sound)))
        if r.phone:
            yield ("p", r.phone)
        if r.address:
            yield ("a", r.address)

    def candidate_pairs(self) -> set[tuple[int, int]]:
        index: dict[tuple[object, ...], list[int]] = defaultdict(list)
        for r in self.records.values():
            for key in set(self.blocks(r)):
                index[key].append(r.pk)
        pairs: set[tuple[int, int]] = set()
        for members in index.values():
            if len(members) < 2:
                continue
            if len(members) > self.max_block:
                self.blocks_skipped += 1
                continue
            members.sort()
            for i, x in enumerate(members):
                for y in members[i + 1 :]:
                    pairs.add((x, y))
        return pairs

    def compare(self, a: Record, b: Record) -> tuple[float, list[Evidence]]:
        evidence = _names(a, b)
        if evidence[0].rule in ("first_name_same", "first_name_nickname") and evidence[1].rule == "last_name_same":
            shared = self.name_counts[(canonical_first(a.first), a.last)]
            if shared > 2:
                penalty = -round(math.log2(shared / 2) * 2) / 2
                evidence.append(
                    Evidence("common_name", f"{shared} records have this name: {a.shown_first} {a.shown_last}", penalty)
                )
        level, weight = _ymd_level(a.ymd, b.ymd)
        shown = " / ".join(d.isoformat() if d else "none" for d in (a.born, b.born))
        evidence.append(Evidence(level, f"{_DATE_WORDS[level]}: {shown}", weight))
        if a.middle and b.middle:
            if a.middle == b.middle:
                evidence.append(Evidence("middle_name_same", f"the same middle name: {a.middle}", 2.0))
            elif a.middle[0] != b.middle[0]:
                evidence.append(
                    Evidence("middle_name_different", f"different middle names: {a.middle} / {b.middle}", -2.0)
                )
        if a.sex and b.sex and a.sex != b.sex:
            evidence.append(Evidence("sex_different", f"different sex: {a.sex} / {b.sex}", -8.0))
        if a.phone and a.phone == b.phone:
            evidence.append(Evidence("phone_same", f"the same phone: {a.phone}", self.phone_weight[a.phone]))
        if a.address and a.address == b.address:
            evidence.append(Evidence("address_same", f"the same address: {a.address}", self.address_weight[a.address]))
        return sum(e.weight for e in evidence), evidence

    def matches(self, skip: set[tuple[int, int]] | None = None) -> list[Match]:
        skip = skip or set()
        found = []
        records = self.records
        # Two birth dates that are not a slip of one another outweigh everything but the names
        # themselves: such a pair can reach the threshold only if the rest could make up for it.
        hopeless = self.threshold > BEST_REST + BIRTH_DATE_DIFFERENT
        for x, y in sorted(self.candidate_pairs()):
            if (x, y) in skip or (y, x) in skip:
                continue
            self.pairs_compared += 1
            a, b = records[x], records[y]
            if hopeless and a.ymd and b.ymd and a.ymd != b.ymd and _ymd_level(a.ymd, b.ymd)[1] == BIRTH_DATE_DIFFERENT:
                continue
            score, evidence = self.compare(a, b)
            if score >= self.threshold:
                found.append(Match(kept=x, duplicate=y, score=score, evidence=evidence))
        return found
