"""Tests for districts, skills and language reference data."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from shared.reference import (
    ALL_DISTRICTS,
    DISTRICTS,
    LANGUAGES,
    SKILLS,
    Skill,
    UnknownSkill,
    district_name,
    districts_listing,
    normalise,
    resolve_skill,
    skill_label,
    skills_listing,
)

REQUIRED_SKILLS = [
    "driving",
    "cooking",
    "homework_help",
    "visiting_friend",
    "first_aid",
    "it_help",
    "language_practice",
    "sports_coaching",
    "event_crew",
    "music",
    "outdoor_guide",
    "translation",
]

ALL_TERMS = [
    (term, skill.code)
    for skill in SKILLS.values()
    for term in (skill.nb, skill.nn, skill.en, *skill.synonyms)
]


def test_there_are_ten_districts() -> None:
    assert len(DISTRICTS) == 10


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("mjondalen", "Mjøndalen, Åsen og Steinberg"),
        ("krokstadelva", "Krokstadelva og Stenseth"),
        ("solbergelva", "Solbergelva, Solbergmoen og Åssiden"),
        ("gulskogen", "Rødskog og Gulskogen"),
        ("konnerud", "Konnerud og Skoger vest"),
        ("fjell", "Strømsø overfor Vestfoldbanen; Danvik, Austad og Fjell"),
        ("stromso", "Strømsø nedenfor Vestfoldbanen; Grønland, Marienlyst, Brandengen og Tangen"),
        ("bragernes", "Bragernes og Øren"),
        ("skoger", "Skoger, Åskollen og Nesbygda"),
        ("svelvik", "Svelvik sentrum, Ebbestad og Berger"),
    ],
)
def test_district_code_has_its_display_name(code: str, name: str) -> None:
    assert DISTRICTS[code] == name
    assert district_name(code) == name


def test_all_districts_is_not_a_district_but_has_a_name() -> None:
    assert ALL_DISTRICTS == "all"
    assert ALL_DISTRICTS not in DISTRICTS
    assert district_name(ALL_DISTRICTS)


def test_unknown_district_name_raises_key_error() -> None:
    with pytest.raises(KeyError):
        district_name("oslo")


def test_districts_listing_is_json_ready_and_in_order() -> None:
    listing = districts_listing()
    assert [entry["code"] for entry in listing] == list(DISTRICTS)
    assert listing[0] == {"code": "mjondalen", "name": "Mjøndalen, Åsen og Steinberg"}
    json.dumps(listing)


def test_there_are_at_least_twenty_eight_skills() -> None:
    assert len(SKILLS) >= 28


@pytest.mark.parametrize("code", REQUIRED_SKILLS)
def test_required_skill_exists(code: str) -> None:
    assert code in SKILLS


@pytest.mark.parametrize("code", list(SKILLS))
def test_skill_code_is_lowercase_ascii_snake_case(code: str) -> None:
    assert code.isascii()
    assert code == code.lower()
    assert code.replace("_", "").isalpha()
    assert SKILLS[code].code == code


@pytest.mark.parametrize("skill", list(SKILLS.values()), ids=lambda skill: skill.code)
def test_skill_has_labels_and_several_synonyms(skill: Skill) -> None:
    assert skill.nb and skill.nn and skill.en
    assert len(skill.synonyms) >= 5


def test_skill_is_immutable() -> None:
    with pytest.raises(AttributeError):
        SKILLS["driving"].nb = "Noe annet"  # type: ignore[misc]


@pytest.mark.parametrize("code", list(SKILLS))
def test_every_skill_code_resolves_to_itself(code: str) -> None:
    assert resolve_skill(code) == code


@pytest.mark.parametrize(("term", "code"), ALL_TERMS)
def test_every_label_and_synonym_resolves_to_its_own_code(term: str, code: str) -> None:
    assert resolve_skill(term) == code


def test_no_term_is_shared_by_two_skills() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for skill in SKILLS.values():
        for term in (skill.code, skill.nb, skill.nn, skill.en, *skill.synonyms):
            owners[normalise(term)].add(skill.code)
    ambiguous = {key: codes for key, codes in owners.items() if len(codes) > 1}
    assert ambiguous == {}


@pytest.mark.parametrize("term", ["språkkafé", "språkkafe", "norsktrening", "language cafe"])
def test_language_cafe_synonyms_resolve_to_language_practice(term: str) -> None:
    assert resolve_skill(term) == "language_practice"


@pytest.mark.parametrize(
    "term",
    ["SPRÅKKAFE", "Sprakkafe", "SpråkKafé", "  språkkafe  ", "LANGUAGE-CAFE", "language_cafe"],
)
def test_lookup_ignores_case_accents_and_spacing(term: str) -> None:
    assert resolve_skill(term) == "language_practice"


@pytest.mark.parametrize(
    ("term", "code"),
    [
        ("Køyring", "driving"),
        ("Omsetjing", "translation"),
        ("Fyrstehjelp", "first_aid"),
        ("Besøksven", "visiting_friend"),
    ],
)
def test_label_in_nynorsk_resolves_to_code(term: str, code: str) -> None:
    assert resolve_skill(term) == code


@pytest.mark.parametrize(
    ("term", "code"),
    [
        ("skyssteneste", "driving"),
        ("omsetjar", "translation"),
        ("trenar", "sports_coaching"),
        ("leksehjelpar", "homework_help"),
    ],
)
def test_synonym_in_nynorsk_resolves_to_code(term: str, code: str) -> None:
    assert resolve_skill(term) == code


@pytest.mark.parametrize(
    ("term", "code"),
    [
        ("tutoring", "homework_help"),
        ("interpreter", "translation"),
        ("CPR", "first_aid"),
        ("choir", "music"),
    ],
)
def test_synonym_in_english_resolves_to_code(term: str, code: str) -> None:
    assert resolve_skill(term) == code


@pytest.mark.parametrize(
    ("term", "code"),
    [("sjåfør", "driving"), ("Sjafor", "driving"), ("tolk", "translation"), ("Dugnad", "cleanup")],
)
def test_synonym_in_bokmal_resolves_to_code(term: str, code: str) -> None:
    assert resolve_skill(term) == code


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("drivng", "driving"),
        ("kokking", "cooking"),
        ("leksehjelpp", "homework_help"),
        ("fotografie", "photography"),
    ],
)
def test_unknown_skill_suggests_closest_codes(typo: str, expected: str) -> None:
    with pytest.raises(UnknownSkill) as caught:
        resolve_skill(typo)
    assert caught.value.value == typo
    assert caught.value.suggestions[0] == expected
    assert len(caught.value.suggestions) <= 5
    assert len(set(caught.value.suggestions)) == len(caught.value.suggestions)
    assert all(code in SKILLS for code in caught.value.suggestions)


@pytest.mark.parametrize("nonsense", ["", "   ", "qxzjvw"])
def test_unknown_skill_without_close_match_suggests_nothing(nonsense: str) -> None:
    with pytest.raises(UnknownSkill) as caught:
        resolve_skill(nonsense)
    assert caught.value.suggestions == []
    assert str(caught.value)


def test_unknown_skill_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        resolve_skill("ikke en ferdighet i det hele tatt")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("  Æble  ", "aeble"),
        ("Ørsta", "orsta"),
        ("Åsen", "asen"),
        ("Café", "cafe"),
        ("first_aid", "first aid"),
        ("hjerte-lunge-redning", "hjerte lunge redning"),
        ("event   \t crew", "event crew"),
    ],
)
def test_normalise_makes_a_case_and_accent_insensitive_key(text: str, key: str) -> None:
    assert normalise(text) == key


@pytest.mark.parametrize(
    ("lang", "label"),
    [("nb", "Oversettelse"), ("nn", "Omsetjing"), ("en", "Translation"), ("de", "Oversettelse")],
)
def test_skill_label_is_given_in_requested_language_or_bokmal(lang: str, label: str) -> None:
    assert skill_label("translation", lang) == label


def test_skill_label_defaults_to_bokmal() -> None:
    assert skill_label("driving") == "Kjøring"


def test_skills_listing_is_json_ready() -> None:
    listing = skills_listing()
    assert [entry["code"] for entry in listing] == list(SKILLS)
    first = listing[0]
    assert set(first) == {"code", "labels", "synonyms"}
    assert set(first["labels"]) == {"nb", "nn", "en"}
    json.dumps(listing)


def test_languages_hold_all_iso_639_1_codes() -> None:
    assert len(LANGUAGES) == 184
    assert all(len(code) == 2 and code.isascii() and code.islower() for code in LANGUAGES)


@pytest.mark.parametrize("code", ["nb", "nn", "no", "en", "ar", "so", "ti", "uk", "pl", "se"])
def test_languages_common_in_drammen_are_known(code: str) -> None:
    assert code in LANGUAGES


@pytest.mark.parametrize("code", ["xx", "NO", "nob", "eng", ""])
def test_non_iso_639_1_codes_are_not_languages(code: str) -> None:
    assert code not in LANGUAGES
