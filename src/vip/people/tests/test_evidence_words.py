"""A duplicate's evidence is shown in the reader's language: the rule's words translated, the
compared values as stored (issue 14: Spanish left duplicate evidence in English)."""

from __future__ import annotations

from django.utils import translation

from vip.people.templatetags.people_evidence import RULES, evidence

BIRTH = {"rule": "birth_date_same", "detail": "the same birth date: 2001-05-06 / 2001-05-06", "weight": 6.0}


def test_evidence_reads_in_english_as_the_matcher_wrote_it() -> None:
    with translation.override("en"):
        assert evidence(BIRTH) == BIRTH["detail"]
        common = {"rule": "common_name", "detail": "1 records have this name: Ana García"}
        assert evidence(common) == "1 record has this name: Ana García"


def test_evidence_reads_in_spanish_with_the_values_kept() -> None:
    with translation.override("es"):
        assert evidence(BIRTH) == "la misma fecha de nacimiento: 2001-05-06 / 2001-05-06"
        common = {"rule": "common_name", "detail": "3 records have this name: Ana García"}
        assert evidence(common) == "3 registros tienen este nombre: Ana García"
        spanish = {rule: str(words) for rule, words in RULES.items()}
    with translation.override("en"):
        english = {rule: str(words) for rule, words in RULES.items()}
    assert [rule for rule in RULES if spanish[rule] == english[rule]] == []


def test_an_unknown_rule_is_shown_as_stored() -> None:
    assert evidence({"rule": "new_rule", "detail": "something: x"}) == "something: x"


def test_every_rule_the_matcher_writes_has_words() -> None:
    """The rule codes the matcher can write (its word tables and its literal rules)."""
    from vip.people import matching

    written = {f"first_name_{k}" for k in matching._FIRST_WORDS} | {f"last_name_{k}" for k in matching._LAST_WORDS}
    written |= set(matching._DATE_WORDS)
    written |= {"names_swapped", "alias_first_name", "alias_last_name", "middle_name_same", "middle_name_different"}
    written |= {"sex_different", "phone_same", "address_same"}
    assert written <= set(RULES)
