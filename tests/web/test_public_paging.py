"""Listings in pages: the page asked for, what is shown of how many, and links that keep the filters."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from services.web.views.public_paging import LAST_PAGE, Paging, offset_of, page_number


@pytest.fixture
def app():
    app = Flask(__name__)
    app.add_url_rule("/", "index", lambda: "")
    with app.test_request_context("/"):
        yield app


def paging(total: int, offset: int, limit: int = 20, **filters) -> Paging:
    return Paging.of({"total": total, "limit": limit, "offset": offset, "items": []}, "index", filters)


@pytest.mark.parametrize("raw, page", [("", 1), ("1", 1), ("3", 3), ("0", 1), ("-2", 1), ("x", 1), ("2.5", 1),
                                       ("99999999999", LAST_PAGE)])
def test_the_page_asked_for_is_a_whole_number_from_one(raw, page):
    assert page_number({"side": raw}) == page


def test_a_page_starts_where_the_ones_before_it_end():
    assert [offset_of(page, 20) for page in (1, 2, 3)] == [0, 20, 40]


def test_the_middle_page_links_both_ways_and_keeps_the_filters(app):
    middle = paging(45, 20, district="fjell", skill="")
    assert (middle.page, middle.pages, middle.first_shown, middle.last_shown) == (2, 3, 21, 40)
    assert parse_qs(urlsplit(middle.next).query) == {"district": ["fjell"], "side": ["3"]}
    assert parse_qs(urlsplit(middle.previous).query) == {"district": ["fjell"]}  # page 1 has no number


def test_the_first_and_last_pages_link_only_inwards(app):
    assert paging(45, 0).previous is None and paging(45, 0).next
    assert paging(45, 40).next is None and paging(45, 40).previous


def test_a_listing_that_fits_one_page_has_no_links(app):
    single = paging(3, 0)
    assert (single.previous, single.next, single.pages, single.last_shown) == (None, None, 1, 3)


def test_an_empty_listing_is_one_page_showing_nothing(app):
    empty = paging(0, 0)
    assert (empty.pages, empty.first_shown, empty.last_shown, empty.next) == (1, 0, 0, None)


def test_a_page_past_the_end_links_back_to_the_last(app):
    beyond = paging(45, 200)
    assert beyond.next is None
    assert parse_qs(urlsplit(beyond.previous).query) == {"side": ["3"]}
