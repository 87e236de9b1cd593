"""The demo city's field records: the optional files of interchange format 2.

:func:`vip.demo.generator.generate_bundle` given ``field_work`` (the profile's incentive
milestones) writes, beside the version 1 files, the records the program's staff keep in the field
(docs/field-work.md), as they would come out of the city it simulates:

* **Groups and memberships.** The program learns that a person belongs to a group from the police
  (a member named in an incident with their group: ``police_intelligence``), from its peer support
  workers after a notification (``peer_knowledge``) or from the person at the needs assessment
  (``self_reported``). A membership ends when the person leaves the group (drifted away, prison,
  death) or the group dissolves; a group is written once it has a known member.
* **Call-ins.** A few times a year, the groups of one area with known members are invited to a
  forum meeting; about half the invited members come.
* **Mediations.** Days after a shooting, assault or shots fired between two groups, peer support
  workers often mediate between the sides (members the program knows, or people outside it);
  now and then a neighbour, family or money conflict around a participant too.
* **Safety plans and check-ins.** About half of the people assessed get a safety plan; some
  revise it months later; check-ins follow every few weeks while the plan is used.
* **Incentives.** The milestones of the profile that the city can tell (``intake``,
  ``safety_plan``, ``service_connected``, ``days_90``, ``job_or_school``) are proposed when
  reached, mostly approved, and paid days later; a few payments are reversed. A profile's other
  milestone codes are not used.
* **Hospital referrals.** Every hospital referral carries its hospital's details (gunshot injury,
  admission, consent to contact) and most have bedside visits.

Everything here draws from its own random stream, seeded from the city's ``seed``, and only reads
the city's state: the version 1 files are byte-identical with or without the field records.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from vip.demo import names

if TYPE_CHECKING:
    from vip.demo.generator import _City, _Group, _Person

FIELD_FILES: dict[str, tuple[str, ...]] = {
    "mediations.csv": ("mediation_key", "occurred_on", "outcome", "topics", "area", "summary"),
    "mediation_parties.csv": ("mediation_key", "person_key", "party_name", "party_phone", "role"),
    "incentives.csv": ("incentive_key", "person_key", "milestone", "reached_on", "status", "amount"),
    "incentive_payments.csv": ("payment_key", "incentive_key", "paid_on", "amount", "method", "reference", "reverses"),
    "groups.csv": ("group_key", "name", "aliases", "area", "active"),
    "group_members.csv": ("member_key", "group_key", "person_key", "member_from", "member_to", "source"),
    "call_ins.csv": ("call_in_key", "held_at", "place", "area", "groups"),
    "call_in_attendance.csv": ("call_in_key", "person_key", "invited", "attended"),
    "safety_plans.csv": (
        "person_key",
        "version",
        "written_on",
        "warning_signs",
        "avoid",
        "safe_places",
        "people_to_call",
        "coping",
        "goals",
        "reason",
    ),
    "safety_check_ins.csv": ("check_in_key", "person_key", "checked_at", "status", "plan_still_fits", "note"),
    "hospital_referrals.csv": (
        "referral_key",
        "hospital",
        "unit",
        "injury_date",
        "injury_type",
        "admitted",
        "consent_to_contact",
        "consent_recorded_on",
        "clinical_notes",
    ),
    "bedside_visits.csv": ("visit_key", "referral_key", "attempted_at", "outcome", "consent_given", "notes"),
}

_T = TypeVar("_T")
_NEVER = 1 << 30

# Milestones the city can tell, by the profile's code, as bits of ``_Person.reached``.
MILESTONE_BITS = {"intake": 1, "safety_plan": 2, "service_connected": 4, "days_90": 8, "job_or_school": 16}

_GROUP_SUFFIXES = ("Crew", "Boys", "Clique", "Gang", "Set", "Squad", "Familia", "Locos")
_STREET_WORDS = {"Ave", "St", "Rd", "Blvd", "Dr", "Ln", "Pl", "Way", "Ct", "Loop", "NE", "NW", "SE", "SW", "Pkwy"}
_PLACES = (
    "Community Center",
    "Community Center",
    "Public Library",
    "Recreation Center",
    "Family Resource Center",
    "Multigenerational Center",
)
# The topics' order, as the export writes a mediation's topics.
_TOPIC_ORDER = (
    "neighbourhood",
    "relationship",
    "money",
    "group_rivalry",
    "social_media",
    "family",
    "retaliation",
    "respect",
    "drugs",
    "other",
)
_TOPICS_GROUP = ("group_rivalry", "retaliation", "respect", "social_media")
_TOPICS_OTHER = ("neighbourhood", "relationship", "money", "family", "social_media", "drugs", "respect", "other")
_MEDIATION_SUMMARIES = (
    "Met each side separately first, then together at a neutral place; both agreed to stay off the other's block.",
    "Talked down a planned response after the shooting; a second meeting is set for next week.",
    "Families joined; the sides agreed to leave it off social media.",
    "One side did not come to the meeting; the peer worker will try again through a relative.",
    "Agreed terms: no contact, no posts, the debt to be paid through a third person.",
    "Tension is still high; police partner told only that a mediation took place.",
)
_MEDIATION_OTHER_SUMMARIES = (
    "Neighbour dispute over a parked car that was about to turn violent; settled on the spot.",
    "Argument between cousins over money; the family will hold the money until it is settled.",
    "Ex-partners arguing in front of the children; each agreed to use a relative to hand them over.",
    "Posts insulting the participant's family; the other side agreed to take them down.",
)
_PLAN_SECTIONS: dict[str, tuple[str, ...]] = {
    "warning_signs": (
        "Posts about the conflict on social media",
        "Being called out by name at parties",
        "Cars that are not known slowing down on the street",
        "Drinking with the group on weekends",
        "Feeling that respect is owed after an insult",
        "Friends talking about getting even",
    ),
    "avoid": (
        "The park and the gas station where the other group meets",
        "Parties where rival members go",
        "Going out alone after dark",
        "Riding in cars with people who carry",
        "Answering posts or messages about the conflict",
    ),
    "safe_places": (
        "Grandmother's house",
        "The program office",
        "Work",
        "Church",
        "The gym",
        "An aunt's house across town",
    ),
    "people_to_call": (
        "Peer support worker (program phone)",
        "Mother",
        "Older brother",
        "Coach",
        "Pastor",
        "Girlfriend's mother",
    ),
    "coping": (
        "Walk away and call the peer support worker",
        "Go to the gym",
        "Music, headphones on",
        "Stay home and play games with a younger brother",
        "Breathing exercise learned in counselling",
    ),
    "goals": (
        "Finish the GED by the summer",
        "Get a job with steady hours",
        "Get the driver's license back",
        "Move out of the neighbourhood",
        "Be there for the baby",
        "Stay off probation violations",
    ),
}
_PLAN_REASONS = (
    "Moved to a new address",
    "New conflict after a shooting nearby",
    "Started a job: new routes and hours",
    "Plan reviewed after six months",
    "Back from custody",
)
_CHECK_IN_NOTES = (
    "Doing well; started work this week.",
    "Worried about a post naming them; talked it through.",
    "Stayed home the weekend after the shooting, as planned.",
    "Wants to add a cousin to the people to call.",
    "Missed the last appointment; reached by phone.",
)
_HOSPITAL_UNITS = ("Trauma ICU", "Trauma surgery", "Emergency department", "Orthopedics", "Surgical ward")
_HOSPITALS = {
    "UNMH Trauma Services": "UNM Hospital",
}
_CLINICAL_NOTES = (
    "Gunshot wound to the leg; surgery; expected discharge in a few days.",
    "Through-and-through wound to the arm; treated and observed overnight.",
    "Abdominal wound; intensive care for several days.",
    "Graze wound; treated in the emergency department.",
)
_VISIT_NOTES = (
    "Met with the patient and their mother; agreed to a visit at home after discharge.",
    "Patient sedated; left the program's card with the nurse.",
    "Patient worried about retaliation; talked about staying somewhere else for a while.",
    "Hospital staff asked to come back tomorrow.",
)
_PAYMENT_METHODS = (("gift_card", 50), ("prepaid_card", 25), ("check", 15), ("direct_deposit", 8), ("cash", 2))


class KnownGroup:
    """What the program knows of a group: its key and name, and its known memberships by person."""

    __slots__ = ("aliases", "key", "members", "name")

    def __init__(self, key: str, name: str, aliases: str) -> None:
        self.key = key
        self.name = name
        self.aliases = aliases
        # person -> [(member_key, source, from_day)]
        self.members: dict[_Person, list[tuple[str, str, int]]] = {}


class FieldWork:
    """The field records of one city run (see the module's docstring); the city calls its hooks."""

    def __init__(self, city: _City, writers: Mapping[str, Any], seed: int, milestones: Mapping[str, int]) -> None:
        self.rng = random.Random(f"{seed}:field-work")
        self.city = city
        self.write = {name: writers[name].writerow for name in FIELD_FILES}
        self.counts = dict.fromkeys(FIELD_FILES, 0)
        self.n: dict[str, int] = {}
        self.milestones = {code: cents for code, cents in milestones.items() if code in MILESTONE_BITS}
        self.queue: dict[int, list[tuple[Any, ...]]] = {}
        self.names: set[str] = set()
        self.recent: list[_Person] = []  # a window of recently notified people (other mediations)
        self.recent_size = max(30, int(60 * city.scale))
        # The city's own tables of weighted choices (generator imports this module: import late).
        from vip.demo.generator import _cumulative as _table

        self.methods = _table(_PAYMENT_METHODS)
        self.outcomes = _table((("resolved", 52), ("ongoing", 31), ("escalated", 17)))
        self.evening = _table([("17", 3), ("18", 5), ("19", 2)])
        hours = (3, 5, 6, 6, 6, 6, 6, 5, 4, 3, 2, 1)
        self.daytime = _table([(str(h), w) for h, w in zip(range(9, 21), hours, strict=True)])
        self.visits_consented = _table((("reached", 66), ("unavailable", 16), ("family_only", 10), ("declined", 8)))
        self.visits_unasked = _table((("reached", 40), ("unavailable", 30), ("not_allowed", 15), ("declined", 15)))
        self.last = city.n_days - 1

    # --- small helpers ----------------------------------------------------------------------

    def one(self, items: Sequence[_T]) -> _T:
        return items[int(self.rng.random() * len(items))]

    def pick(self, table: tuple[tuple[str, ...], list[float]]) -> str:
        items, cum = table
        return items[bisect(cum, self.rng.random() * cum[-1])]

    def key(self, prefix: str) -> str:
        self.n[prefix] = self.n.get(prefix, 0) + 1
        return f"{prefix}{self.n[prefix]:06d}"

    def row(self, name: str, values: tuple[str, ...]) -> None:
        self.write[name](values)
        self.counts[name] += 1

    def later(self, day: int, event: tuple[Any, ...]) -> None:
        if day <= self.last:
            self.queue.setdefault(day, []).append(event)

    def delay(self, low: int, mean: float, high: int) -> int:
        if mean <= low:
            return low
        return min(high, low + int(self.rng.expovariate(1.0 / (mean - low))))

    def usable(self, person: _Person, day: int) -> bool:
        """Written, alive and free on ``day``: someone the program can meet."""
        return bool(person.key) and not person.dead and not person.in_from <= day < person.in_to

    def phone(self) -> str:
        return f"505-555-01{self.rng.randrange(100):02d}" if self.rng.random() < 0.6 else ""

    def outsider(self, taken: set[str]) -> str:
        """An outside party's name as a peer worker writes it (a first name and an initial), not
        one of ``taken`` (the mediation's outside parties so far)."""
        rng = self.rng
        male = rng.random() < 0.7
        spanish = rng.random() < 0.55
        if male:
            first = self.one(names.SPANISH_MALE if spanish else names.ENGLISH_MALE)
        else:
            first = self.one(names.SPANISH_FEMALE if spanish else names.ENGLISH_FEMALE)
        last = self.one(names.SPANISH_SURNAMES if spanish else names.ENGLISH_SURNAMES)
        name = f"{first} {last[0]}."
        while name in taken:
            name += "."
        taken.add(name)
        return name

    # --- the day ----------------------------------------------------------------------------

    def day_end(self, day: int) -> None:
        todo = self.queue.pop(day, None)
        if todo:
            for event in todo:
                getattr(self, event[0])(day, *event[1:])
        city = self.city
        weekday = (city.weekday0 + day) % 7
        rng = self.rng
        if 1 <= weekday <= 3 and rng.random() < city.scale * city.capacity / 30:
            self.call_in(day)
        for _ in range(self.poisson(0.04 * city.scale * city.capacity)):
            self.other_mediation(day)

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        count = 0
        total = self.rng.expovariate(lam)
        while total < 1.0:
            count += 1
            total += self.rng.expovariate(lam)
        return count

    def finish(self) -> None:
        """The end of the run: what is still open is written as it stands."""
        for group in self.city.groups:
            if group.ends <= self.last:
                self.group_ended(group)
            else:
                self.write_group(group, active=True, to_day=-1)

    # --- groups and memberships -------------------------------------------------------------

    def group_name(self, group: _Group) -> tuple[str, str]:
        city = self.city
        streets, _ = city.streets.get(group.area) or city.streets[""]
        for attempt in range(20):
            words = [w for w in self.one(streets).split() if w not in _STREET_WORDS and not w[0].isdigit()]
            core = " ".join(words) or "Westside"
            name = f"{core} {self.one(_GROUP_SUFFIXES)}"
            if attempt >= 10:
                name = f"{name} {attempt - 8}"
            if name.lower() not in self.names:
                break
        self.names.add(name.lower())
        aliases = "".join(w[0] for w in name.split() if w[0].isalpha()).upper() if self.rng.random() < 0.3 else ""
        return name, aliases

    def member(self, person: _Person, day: int, source: str) -> None:
        """The program learns on ``day`` from ``source`` that ``person`` is in their group."""
        group = person.group
        if group is None or group.ends <= day or not person.key or person not in group.members:
            return
        known = group.known
        if known is None:
            known = group.known = KnownGroup(self.key("G"), *self.group_name(group))
        held = known.members.setdefault(person, [])
        if any(s == source for _, s, _ in held):
            return
        joined = max(person.joined, group.formed, 0)
        start = max(joined, day - self.rng.randrange(400))
        held.append((self.key("GM"), source, min(start, day)))

    def left(self, group: _Group, person: _Person, day: int) -> None:
        """``person`` is out of ``group`` from ``day`` (drifted away, prison, death)."""
        known = group.known
        if known is None:
            return
        for member_key, source, start in known.members.pop(person, ()):
            self.membership_row(known, person, member_key, source, start, day)

    def membership_row(
        self, known: KnownGroup, person: _Person, member_key: str, source: str, start: int, to_day: int
    ) -> None:
        ds = self.city.ds
        until = ds[max(to_day, start)] if to_day >= 0 else ""
        self.row("group_members.csv", (member_key, known.key, person.key, ds[start], until, source))

    def group_ended(self, group: _Group) -> None:
        self.write_group(group, active=False, to_day=min(group.ends, self.last))

    def write_group(self, group: _Group, *, active: bool, to_day: int) -> None:
        known = group.known
        if known is None:
            return
        for person, held in known.members.items():
            for member_key, source, start in held:
                self.membership_row(known, person, member_key, source, start, to_day)
        known.members = {}
        self.row("groups.csv", (known.key, known.name, known.aliases, group.area, "yes" if active else "no"))
        group.known = None

    def involved(self, person: _Person, day: int) -> None:
        """A group member named in an incident: police intelligence, often."""
        if self.rng.random() < 0.45:
            self.member(person, day, "police_intelligence")

    def call_in(self, day: int) -> None:
        rng = self.rng
        city = self.city
        known = [g for g in city.groups if g.known is not None and g.ends > day]
        if not known:
            return
        first = self.one(known)
        invited_groups = [first]
        for other in known:
            if other is not first and other.area == first.area and len(invited_groups) < 3 and rng.random() < 0.6:
                invited_groups.append(other)
        key = self.key("CI")
        people: list[_Person] = []
        for group in invited_groups:
            assert group.known is not None
            people.extend(p for p in group.known.members if p in group.members and self.usable(p, day))
        area_name = first.area.replace("_", " ").title() if first.area else "Downtown"
        place = f"{area_name} {self.one(_PLACES)}"
        held_at = city.stamp(day, self.evening, self.rng)
        groups = ";".join(sorted(g.known.key for g in invited_groups if g.known is not None))
        self.row("call_ins.csv", (key, held_at, place, first.area, groups))
        for person in people[:30]:
            attended = "yes" if rng.random() < 0.55 else "no"
            self.row("call_in_attendance.csv", (key, person.key, "yes", attended))

    # --- mediations -------------------------------------------------------------------------

    def incident(self, day: int, kind: str, area: str, aggressors: _Group | None, targets: _Group | None) -> None:
        """After violence between two groups, peer support workers often mediate."""
        if aggressors is None or targets is None or kind not in ("shooting", "shots_fired", "aggravated_assault"):
            return
        if self.rng.random() < 0.3 * self.city.capacity:
            self.later(day + self.delay(1, 5, 21), ("group_mediation", kind, area, aggressors, targets))

    def group_mediation(self, day: int, kind: str, area: str, aggressors: _Group, targets: _Group) -> None:
        rng = self.rng
        key = self.key("MD")
        topics = ["group_rivalry"]
        if kind == "shooting" or rng.random() < 0.4:
            topics.append("retaliation")
        if rng.random() < 0.35:
            topics.append(self.one(_TOPICS_GROUP[2:]))
        outcome = self.pick(self.outcomes)
        summary = self.one(_MEDIATION_SUMMARIES) if rng.random() < 0.5 else ""
        topics.sort(key=_TOPIC_ORDER.index)
        self.row("mediations.csv", (key, self.city.ds[day], outcome, ";".join(topics), area, summary))
        outside: set[str] = set()
        for side in (aggressors, targets):
            chosen = [p for p in side.members if self.usable(p, day)]
            taken = 0
            for _ in range(self.one((1, 1, 2))):
                if chosen and rng.random() < 0.75:
                    person = chosen.pop(int(rng.random() * len(chosen)))
                    self.row("mediation_parties.csv", (key, person.key, "", "", "party"))
                    taken += 1
            if not taken:
                self.row("mediation_parties.csv", (key, "", self.outsider(outside), self.phone(), "party"))
        if rng.random() < 0.2:
            self.row("mediation_parties.csv", (key, "", self.outsider(outside), self.phone(), "supporter"))

    def other_mediation(self, day: int) -> None:
        """A conflict around a participant that is not between groups: a neighbour, family, money."""
        people = [p for p in self.recent if self.usable(p, day)]
        if not people:
            return
        rng = self.rng
        person = self.one(people)
        key = self.key("MD")
        topics = [self.one(_TOPICS_OTHER)]
        outcome = self.pick(self.outcomes)
        summary = self.one(_MEDIATION_OTHER_SUMMARIES) if rng.random() < 0.5 else ""
        self.row("mediations.csv", (key, self.city.ds[day], outcome, ";".join(topics), person.area, summary))
        self.row("mediation_parties.csv", (key, person.key, "", "", "party"))
        outside: set[str] = set()
        self.row("mediation_parties.csv", (key, "", self.outsider(outside), self.phone(), "party"))
        if rng.random() < 0.25:
            self.row("mediation_parties.csv", (key, "", self.outsider(outside), self.phone(), "supporter"))

    # --- notifications, assessments, services -----------------------------------------------

    def delivered(self, day: int, person: _Person) -> None:
        """A custom notification was delivered: peer support begins."""
        if len(self.recent) < self.recent_size:
            self.recent.append(person)
        else:
            self.recent[self.rng.randrange(self.recent_size)] = person
        if person.group is not None and self.rng.random() < 0.4:
            self.member(person, day, "peer_knowledge")
        self.later(day + 90, ("ninety_days", person, day))

    def ninety_days(self, day: int, person: _Person, since: int) -> None:
        if person.reached & MILESTONE_BITS["intake"] and self.usable(person, day) and person.last_inv < since:
            self.reached(day, person, "days_90")

    def assessed(self, day: int, person: _Person, services: Sequence[tuple[str, int]]) -> None:
        """The needs assessment (the first round of service referrals is made on ``day``)."""
        rng = self.rng
        first = not person.reached & MILESTONE_BITS["intake"]
        self.reached(day, person, "intake")
        if first and person.group is not None and rng.random() < 0.2:
            self.member(person, day, "self_reported")
        if first and person.plan == 0 and rng.random() < 0.5:
            self.later(day + self.delay(0, 5, 30), ("safety_plan", person))
        connected = [d for _, d in services if 0 <= d <= self.last]
        if connected:
            self.later(min(connected), ("connected", person, "service_connected"))
        for category, d in services:
            if category in ("employment", "education") and 0 <= d <= self.last:
                self.later(d, ("connected", person, "job_or_school"))

    def connected(self, day: int, person: _Person, milestone: str) -> None:
        if not person.dead:
            self.reached(day, person, milestone)

    def reached(self, day: int, person: _Person, milestone: str) -> None:
        """A milestone reached: an incentive proposed, decided and (mostly) paid."""
        bit = MILESTONE_BITS[milestone]
        if person.reached & bit:
            return
        person.reached |= bit
        cents = self.milestones.get(milestone)
        if cents is None or self.rng.random() < 0.25:  # not every milestone is put forward
            return
        rng = self.rng
        key = self.key("IN")
        if self.last - day < 14 and rng.random() < 0.7:
            status = "proposed"
        else:
            r = rng.random()
            status = "approved" if r < 0.9 else ("declined" if r < 0.96 else "withdrawn")
        dollars = f"{cents // 100}.{cents % 100:02d}"
        self.row("incentives.csv", (key, person.key, milestone, self.city.ds[day], status, dollars))
        if status != "approved":
            return
        paid = day + self.delay(2, 9, 45)
        if paid > self.last:
            return
        method = self.pick(self.methods)
        payment = self.key("IP")
        reference = ""
        if method in ("gift_card", "prepaid_card"):
            reference = f"{'GC' if method == 'gift_card' else 'PC'}-{rng.randrange(100000, 999999)}"
        elif method == "check":
            reference = f"Check {rng.randrange(10000, 99999)}"
        self.row("incentive_payments.csv", (payment, key, self.city.ds[paid], dollars, method, reference, ""))
        if rng.random() < 0.02:
            back = paid + self.delay(1, 7, 30)
            if back <= self.last:
                self.row(
                    "incentive_payments.csv",
                    (self.key("IP"), key, self.city.ds[back], f"-{dollars}", method, "", payment),
                )

    # --- safety plans -----------------------------------------------------------------------

    def plan_text(self) -> tuple[str, ...]:
        rng = self.rng
        sections = []
        for options in _PLAN_SECTIONS.values():
            if rng.random() < 0.85:
                first = self.one(options)
                second = self.one(options) if rng.random() < 0.4 else first
                sections.append(first if second == first else f"{first}; {second}")
            else:
                sections.append("")
        return tuple(sections)

    def safety_plan(self, day: int, person: _Person, reason: str = "") -> None:
        if person.dead:
            return
        person.plan += 1
        self.row("safety_plans.csv", (person.key, str(person.plan), self.city.ds[day], *self.plan_text(), reason))
        if person.plan == 1:
            self.reached(day, person, "safety_plan")
            if self.rng.random() < 0.25:
                self.later(day + self.delay(60, 150, 400), ("revise", person))
            self.later(day + self.delay(7, 25, 60), ("check_in", person, 1))

    def revise(self, day: int, person: _Person) -> None:
        if not person.dead:
            self.safety_plan(day, person, self.one(_PLAN_REASONS))

    def check_in(self, day: int, person: _Person, number: int) -> None:
        if person.dead:
            return
        rng = self.rng
        if person.in_from <= day < person.in_to:
            self.later(day + self.delay(14, 30, 90), ("check_in", person, number))
            return
        r = rng.random()
        status = "safe" if r < 0.74 else ("concerns" if r < 0.95 else "unsafe")
        fits = "yes" if rng.random() < 0.7 else ("no" if rng.random() < 0.3 else "")
        note = self.one(_CHECK_IN_NOTES) if status != "safe" or rng.random() < 0.15 else ""
        at = self.city.stamp(day, self.daytime, rng)
        self.row("safety_check_ins.csv", (self.key("SC"), person.key, at, status, fits, note))
        if number < 8 and rng.random() < (0.8 if number < 3 else 0.55):
            self.later(day + self.delay(10, 30, 75), ("check_in", person, number + 1))

    # --- hospital referrals -----------------------------------------------------------------

    def hospital(self, day: int, person: _Person, referral_key: str, referred_by: str) -> None:
        """A hospital referral: its hospital's details, and the bedside visits."""
        rng = self.rng
        if rng.random() < 0.06:
            return  # a referral the hospital sent without its details
        injured = person.injured if 0 <= person.injured <= day else day
        hospital = _HOSPITALS.get(referred_by, referred_by)
        unit = self.one(_HOSPITAL_UNITS) if rng.random() < 0.85 else ""
        admitted = "yes" if rng.random() < 0.82 else "no"
        r = rng.random()
        consent = "yes" if r < 0.7 else ("no" if r < 0.82 else "not_asked")
        recorded = self.city.ds[day] if consent != "not_asked" else ""
        notes = self.one(_CLINICAL_NOTES) if rng.random() < 0.3 else ""
        ds = self.city.ds
        self.row(
            "hospital_referrals.csv",
            (referral_key, hospital, unit, ds[injured], "gunshot", admitted, consent, recorded, notes),
        )
        if consent == "no" or rng.random() < 0.1:
            return
        self.later(day + self.delay(0, 1, 4), ("bedside", person, referral_key, consent, 1))

    def bedside(self, day: int, person: _Person, referral_key: str, consent: str, number: int) -> None:
        rng = self.rng
        if person.dead:
            return
        if day >= person.hosp_to and rng.random() < 0.5:
            outcome = "discharged"
        else:
            outcome = self.pick(self.visits_consented if consent == "yes" else self.visits_unasked)
        given = ""
        if outcome == "reached":
            given = "yes" if rng.random() < 0.8 else ("no" if rng.random() < 0.5 else "")
        elif outcome == "declined":
            given = "no" if rng.random() < 0.6 else ""
        notes = self.one(_VISIT_NOTES) if rng.random() < 0.3 else ""
        at = self.city.stamp(day, self.daytime, rng)
        self.row("bedside_visits.csv", (self.key("BV"), referral_key, at, outcome, given, notes))
        if outcome in ("unavailable", "family_only", "not_allowed") and number < 3:
            self.later(day + self.delay(1, 1.5, 4), ("bedside", person, referral_key, consent, number + 1))
