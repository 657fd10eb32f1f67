"""A need as the public sees it: requirements in plain words, a card's facts, free text as paragraphs."""
from __future__ import annotations

import pytest
from flask import Flask

from services.web.views.public_needs import card, paragraphs, requirements_in_words

NEED = {"id": "n1", "title": "Besøksvenn", "district": "fjell", "skills": ["visiting_friend"],
        "schedule": {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "2026-01-06",
                     "until_date": "2026-06-30"}, "volunteers_needed": 2,
        "requirements": {"police_certificate": True, "min_age": 18, "languages": ["nb"]}}


@pytest.fixture
def norwegian():
    with Flask(__name__).test_request_context("/"):
        yield


@pytest.fixture
def english():
    with Flask(__name__).test_request_context("/?lang=en"):
        yield


def test_requirements_are_sentences_to_the_volunteer(norwegian):
    assert requirements_in_words(NEED["requirements"]) == [
        "Du må kunne vise fram politiattest.", "Du må være minst 18 år.", "Du må kunne norsk bokmål."]


def test_several_languages_mean_at_least_one_of_them(english):
    assert requirements_in_words({"languages": ["nb", "en", "xx"]}) == [
        "You must speak at least one of these languages: Norwegian Bokmål, English and xx."]


def test_no_requirements_say_nothing(norwegian):
    assert requirements_in_words({"police_certificate": False, "min_age": None, "languages": []}) == []


def test_a_card_says_where_when_and_what_in_the_page_language(english):
    shown = card(NEED)
    assert shown["district"] == "Strømsø overfor Vestfoldbanen; Danvik, Austad og Fjell"
    assert shown["when"] == "Tuesdays 17:30–19:00 (from 6 January to 30 June 2026)"
    assert shown["skills"] == ["Visiting friend"]
    assert shown["volunteers_needed"] == 2


def test_a_card_carries_nothing_it_was_not_meant_to_show(norwegian):
    assert set(card({**NEED, "organisation_id": "o1", "contact": {"email": "x@example.no"}})) == {
        "id", "title", "district", "when", "skills", "volunteers_needed", "requirements"}


def test_free_text_is_split_into_paragraphs_at_blank_lines():
    assert paragraphs("Prate.\r\n\r\nGå tur.\n\n\n  \nLese avis.") == ["Prate.", "Gå tur.", "Lese avis."]
