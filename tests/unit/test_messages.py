"""Tests for rendering notification messages about matches."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import UndefinedError

from services.notify.messages import (
    KINDS,
    Message,
    fit_sms,
    format_when,
    language_for,
    render,
    to_gsm7,
)

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("\f^{}\\[~]|€")
LANGS = ("nb", "en")

WEEKLY = {
    "weekday": 2,
    "start_time": "17:30",
    "end_time": "19:00",
    "from_date": "2026-01-06",
    "until_date": "2026-06-30",
}
SINGLE = {"start": "2026-06-05T10:00:00+02:00", "end": "2026-06-05T16:00:00+02:00"}
RESPOND_URL = "https://frivillig.drammen.no/svar/3f9c2a7e-5b1d-4c8e-9a6f-1d2e3c4b5a69"
LONG_TITLE = (
    "Leksehjelp, “lesevenn” og aktiviteter – for barn og unge på Strømsø, Gulskogen og Fjell "
    "hver uke hele våren… 🎉"
)

COMMON = {
    "need_title": "Leksehjelp for barneskoleelever",
    "district_name": "Strømsø",
    "schedule": WEEKLY,
    "organisation_name": "Røde Kors Drammen",
}
REQUIRED_BY_KIND: dict[str, dict[str, Any]] = {
    "proposal": {"respond_url": RESPOND_URL, "expires_at": "2026-01-04T11:00:00Z", "answer_hours": "48"},
    "candidate_found": {"expires_at": "2026-01-04T11:00:00Z", "answer_hours": "48"},
    "confirmed_volunteer": {
        "volunteer_name": "Kari Nordmann",
        "contact_name": "Ola Hansen",
        "contact_email": "ola.hansen@example.org",
        "page_url": "https://frivillig.drammen.no/min-side",
    },
    "confirmed_organisation": {
        "volunteer_name": "Kari Nordmann",
        "volunteer_email": "kari.nordmann@example.org",
        "page_url": "https://frivillig.drammen.no/vare-behov",
    },
    "declined_volunteer": {},
    "declined_organisation": {},
    "expired_volunteer": {},
    "expired_organisation": {},
    "cancelled_volunteer": {},
    "cancelled_organisation": {},
    "withdrawn_volunteer": {},
    "withdrawn_organisation": {},
    "reminder": {
        "volunteer_name": "Kari Nordmann",
        "occurrence_start": "2026-01-06T17:30:00+01:00",
    },
    "volunteer_accepted": {
        "volunteer_name": "Kari Nordmann",
        "volunteer_email": "kari.nordmann@example.org",
        "contact_name": "Ola Hansen",
        "respond_url": RESPOND_URL,
        "expires_at": "2026-01-04T11:00:00Z",
    },
    "answer_reminder": {
        "volunteer_name": "Kari Nordmann",
        "volunteer_email": "kari.nordmann@example.org",
        "respond_url": RESPOND_URL,
        "expires_at": "2026-01-04T11:00:00Z",
    },
    "turned_down_volunteer": {},
    "unconfirmed_volunteer": {},
    "unconfirmed_organisation": {},
    "stand_in_proposal": {"respond_url": RESPOND_URL, "expires_at": "2026-01-04T11:00:00Z", "answer_hours": "48",
                          "for_date": "2026-01-13"},
    "absence_organisation": {"absent_on": "2026-01-13"},
    "paused_organisation": {"paused_from": "2026-01-13", "paused_until": "2026-02-03"},
    "ended_volunteer": {},
    "ended_organisation": {},
    "ended_by_volunteer": {},
    "ended_by_organisation": {},
    "certificate_expired_organisation": {"volunteer_name": "Kari Nordmann", "certificate_seen_on": "2024-11-20",
                                         "certificate_max_age_months": 24},
    "stand_in_folded_volunteer": {"for_date": "2026-01-13", "page_url": "https://frivillig.drammen.no/min-side"},
    "stand_in_folded_organisation": {"for_date": "2026-01-13", "page_url": "https://frivillig.drammen.no/vare-behov"},
}
OPTIONAL_BY_KIND: dict[str, dict[str, Any]] = {
    "absence_organisation": {"volunteer_name": "Kari Nordmann"},
    "paused_organisation": {"volunteer_name": "Kari Nordmann"},
    "ended_organisation": {"volunteer_name": "Kari Nordmann"},
    "stand_in_folded_organisation": {"volunteer_name": "Kari Nordmann"},
    "confirmed_volunteer": {"contact_phone": "+47 98 76 54 32"},
    "confirmed_organisation": {"volunteer_phone": "+47 912 34 567"},
    "volunteer_accepted": {"volunteer_phone": "+47 912 34 567"},
    "answer_reminder": {"volunteer_phone": "+47 912 34 567"},
}
DESCRIPTION = "Vi hjelper elever i 1.–7. klasse med lekser."
KIND_LANG = [(kind, lang) for kind in KINDS for lang in LANGS]


def minimal_context(kind: str, **overrides: Any) -> dict[str, Any]:
    """The required keys for a kind, with optional keys left out."""
    return {**COMMON, **REQUIRED_BY_KIND[kind], **overrides}


def full_context(kind: str, **overrides: Any) -> dict[str, Any]:
    """The required and optional keys for a kind."""
    return {
        **minimal_context(kind),
        "need_description": DESCRIPTION,
        **OPTIONAL_BY_KIND.get(kind, {}),
        **overrides,
    }


def septets(text: str) -> int:
    """GSM-7 length of a text, counting extension characters as two."""
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)


def is_gsm7(text: str) -> bool:
    """Whether every character of the text is in the GSM-7 alphabet."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


@pytest.mark.parametrize(("kind", "lang"), KIND_LANG)
def test_every_kind_renders_in_both_languages_with_all_keys(kind: str, lang: str) -> None:
    message = render(kind, lang, full_context(kind))
    assert isinstance(message, Message)
    assert all([message.subject, message.text, message.html, message.sms])
    assert "Leksehjelp for barneskoleelever" in message.text
    assert "Leksehjelp for barneskoleelever" in message.html
    assert "\n" not in message.subject


@pytest.mark.parametrize(("kind", "lang"), KIND_LANG)
def test_every_kind_renders_without_the_optional_keys(kind: str, lang: str) -> None:
    message = render(kind, lang, minimal_context(kind))
    for part in (message.subject, message.text, message.html, message.sms):
        assert "None" not in part
    assert DESCRIPTION not in message.text


@pytest.mark.parametrize(("kind", "lang"), KIND_LANG)
def test_every_kind_signs_off_in_its_language(kind: str, lang: str) -> None:
    message = render(kind, lang, full_context(kind))
    signature = "Frivillig i Drammen" if lang == "nb" else "Volunteering in Drammen"
    assert message.text.rstrip().endswith(signature)
    assert signature in message.html


@pytest.mark.parametrize(("kind", "lang"), KIND_LANG)
def test_a_missing_title_is_reported_instead_of_rendered_blank(kind: str, lang: str) -> None:
    context = minimal_context(kind)
    del context["need_title"]
    with pytest.raises(UndefinedError):
        render(kind, lang, context)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("kind", "key"), [("proposal", "respond_url"), ("proposal", "expires_at"),
                                           ("proposal", "organisation_name"), ("proposal", "answer_hours"),
                                           ("volunteer_accepted", "respond_url"), ("volunteer_accepted", "expires_at"),
                                           ("volunteer_accepted", "volunteer_email"), ("answer_reminder", "respond_url"),
                                           ("confirmed_volunteer", "page_url"), ("confirmed_organisation", "page_url")])
def test_a_message_without_a_required_key_is_an_error(lang: str, kind: str, key: str) -> None:
    context = minimal_context(kind)
    del context[key]
    with pytest.raises(UndefinedError):
        render(kind, lang, context)


@pytest.mark.parametrize("lang", LANGS)
def test_the_proposal_says_what_happens_after_each_answer(lang: str) -> None:
    text = render("proposal", lang, minimal_context("proposal")).text
    expected = {"nb": ("Sier du ja, sender vi navnet ditt", "De har 48 timer på å bekrefte", "Sier du nei"),
                "en": ("If you say yes, we send your name", "They have 48 hours to confirm", "If you say no")}[lang]
    for words in expected:
        assert words in text


@pytest.mark.parametrize("lang", LANGS)
def test_candidate_found_says_the_volunteer_is_asked_first_and_what_comes_then(lang: str) -> None:
    message = render("candidate_found", lang, minimal_context("candidate_found"))
    expected = {"nb": ("frist til søndag 4. januar 2026 kl. 12.00", "en lenke der dere bekrefter", "48 timer"),
                "en": ("until Sunday 4 January 2026 at 12:00", "a link where you confirm", "48 hours")}[lang]
    for words in expected:
        assert words in message.text and words in message.html


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["volunteer_accepted", "answer_reminder"])
def test_the_organisation_is_asked_with_the_volunteers_contact_its_link_and_its_deadline(kind: str, lang: str) -> None:
    message = render(kind, lang, full_context(kind))
    deadline = {"nb": "søndag 4. januar 2026 kl. 12.00", "en": "Sunday 4 January 2026 at 12:00"}[lang]
    for fact in ("Kari Nordmann", "kari.nordmann@example.org", "+47 912 34 567", RESPOND_URL, deadline):
        assert fact in message.text
    assert f'<a href="{RESPOND_URL}"' in message.html
    assert message.sms.endswith(" " + RESPOND_URL)


@pytest.mark.parametrize(("kind", "lang"), [("nonsense", "nb"), ("proposal", "de")])
def test_an_unknown_kind_or_language_is_rejected(kind: str, lang: str) -> None:
    with pytest.raises(ValueError):
        render(kind, lang, minimal_context("proposal"))


@pytest.mark.parametrize(
    ("schedule", "lang", "expected"),
    [
        (WEEKLY, "nb", "tirsdager kl. 17.30–19.00 (fra 6. januar til 30. juni 2026)"),
        (SINGLE, "nb", "fredag 5. juni 2026 kl. 10.00–16.00"),
        (WEEKLY, "en", "Tuesdays 17:30–19:00 (from 6 January to 30 June 2026)"),
        (SINGLE, "en", "Friday 5 June 2026, 10:00–16:00"),
    ],
)
def test_schedules_are_written_the_way_the_language_writes_them(
    schedule: dict[str, Any], lang: str, expected: str
) -> None:
    assert format_when(schedule, lang) == expected


@pytest.mark.parametrize(
    ("dates", "lang", "expected"),
    [
        ({}, "nb", "mandager kl. 09.00–11.30"),
        ({"from_date": "2026-03-02"}, "nb", "mandager kl. 09.00–11.30 (fra 2. mars 2026)"),
        ({"until_date": "2026-12-21"}, "nb", "mandager kl. 09.00–11.30 (til 21. desember 2026)"),
        (
            {"from_date": "2026-08-17", "until_date": "2027-06-14"},
            "nb",
            "mandager kl. 09.00–11.30 (fra 17. august 2026 til 14. juni 2027)",
        ),
        ({"until_date": "2026-12-21"}, "en", "Mondays 09:00–11:30 (until 21 December 2026)"),
    ],
)
def test_weekly_schedules_show_only_the_dates_they_have(
    dates: dict[str, str], lang: str, expected: str
) -> None:
    schedule = {"weekday": 1, "start_time": "09:00", "end_time": "11:30", **dates}
    assert format_when(schedule, lang) == expected


@pytest.mark.parametrize(
    ("schedule", "lang", "expected"),
    [
        (
            {"start": "2026-07-10T08:00:00Z", "end": "2026-07-10T12:00:00Z"},
            "nb",
            "fredag 10. juli 2026 kl. 10.00–14.00",
        ),
        (
            {"start": "2026-07-10T08:00:00Z", "end": "2026-07-10T12:00:00Z"},
            "en",
            "Friday 10 July 2026, 10:00–14:00",
        ),
        (
            {"start": "2026-01-09T08:00:00Z", "end": "2026-01-09T12:00:00Z"},
            "nb",
            "fredag 9. januar 2026 kl. 09.00–13.00",
        ),
    ],
)
def test_single_periods_are_shown_in_oslo_time_including_summer_time(
    schedule: dict[str, Any], lang: str, expected: str
) -> None:
    assert format_when(schedule, lang) == expected


def test_a_period_over_several_days_names_both_days() -> None:
    schedule = {"start": "2026-06-05T18:00:00+02:00", "end": "2026-06-06T14:00:00+02:00"}
    assert format_when(schedule, "nb") == (
        "fra fredag 5. juni 2026 kl. 18.00 til lørdag 6. juni 2026 kl. 14.00"
    )


@pytest.mark.parametrize("schedule", [{}, {"weekday": 8, "start_time": "10:00"}])
def test_an_unreadable_schedule_is_rejected(schedule: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        format_when(schedule, "nb")


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        ([], "nb"),
        (["nb"], "nb"),
        (["nn"], "nb"),
        (["en", "nn"], "nb"),
        (["pl", "nb"], "nb"),
        (["en"], "en"),
        (["pl", "uk"], "en"),
        (["nb-NO"], "nb"),
        (iter(["ar"]), "en"),
    ],
)
def test_volunteers_get_norwegian_unless_they_read_no_norwegian(
    languages: list[str], expected: str
) -> None:
    assert language_for(languages) == expected


def test_the_proposal_deadline_is_shown_in_norwegian_local_time() -> None:
    message = render("proposal", "nb", minimal_context("proposal"))
    assert "søndag 4. januar 2026 kl. 12.00" in message.text
    assert "søndag 4. januar 2026 kl. 12.00" in message.html


def test_the_proposal_tells_what_where_when_and_who() -> None:
    message = render("proposal", "nb", full_context("proposal"))
    for fact in (
        "Leksehjelp for barneskoleelever",
        "Strømsø",
        "tirsdager kl. 17.30–19.00",
        "Røde Kors Drammen",
        DESCRIPTION,
        RESPOND_URL,
    ):
        assert fact in message.text


@pytest.mark.parametrize("lang", LANGS)
def test_the_proposal_html_links_to_the_answer_page_as_a_button(lang: str) -> None:
    message = render("proposal", lang, minimal_context("proposal"))
    assert f'<a href="{RESPOND_URL}" style="display:inline-block;' in message.html


@pytest.mark.parametrize("lang", LANGS)
def test_the_reminder_tells_when_the_assignment_starts(lang: str) -> None:
    message = render("reminder", lang, minimal_context("reminder"))
    starts = {"nb": "tirsdag 6. januar 2026 kl. 17.30", "en": "Tuesday 6 January 2026 at 17:30"}[lang]
    assert starts in message.text
    assert "Kari Nordmann" in message.text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("kind", "details"), [
    ("confirmed_volunteer", ("Ola Hansen", "ola.hansen@example.org", "+47 98 76 54 32")),
    ("confirmed_organisation", ("Kari Nordmann", "kari.nordmann@example.org", "+47 912 34 567")),
], ids=["volunteer gets the contact person", "organisation gets the volunteer's details"])
def test_a_confirmation_gives_the_other_sides_contact_details(kind: str, details: tuple[str, ...], lang: str) -> None:
    message = render(kind, lang, full_context(kind))
    for detail in details:
        assert detail in message.text
        assert detail in message.html
    assert details[-1] in message.sms


@pytest.mark.parametrize("lang", LANGS)
def test_a_volunteer_without_phone_is_shown_without_a_phone_line(lang: str) -> None:
    context = full_context("confirmed_organisation", volunteer_phone=None)
    message = render("confirmed_organisation", lang, context)
    assert "Telefon" not in message.text
    assert "Phone" not in message.text
    assert "tel:" not in message.html


@pytest.mark.parametrize("lang", LANGS)
def test_candidate_found_reveals_no_volunteer_contact_details(lang: str) -> None:
    context = full_context(
        "candidate_found",
        volunteer_name="Kari Nordmann",
        volunteer_email="kari.nordmann@example.org",
        volunteer_phone="+47 912 34 567",
    )
    message = render("candidate_found", lang, context)
    for part in (message.subject, message.text, message.html, message.sms):
        for detail in ("Kari", "kari.nordmann@example.org", "912 34 567", "mailto:", "tel:"):
            assert detail not in part


@pytest.mark.parametrize(("kind", "lang"), KIND_LANG)
def test_every_sms_fits_in_one_gsm7_message_even_with_a_long_title(kind: str, lang: str) -> None:
    context = full_context(
        kind,
        need_title=LONG_TITLE,
        organisation_name="Foreningen for “Frivillig Innsats” i Drammen og Omegn – Avdeling Sør",
        schedule=SINGLE,
    )
    context.update({key: "2026-06-05" for key in ("for_date", "absent_on") if key in context})  # SINGLE's date
    sms = render(kind, lang, context).sms
    assert septets(sms) <= 160
    assert is_gsm7(sms)


@pytest.mark.parametrize("lang", LANGS)
def test_the_proposal_sms_keeps_the_link_whole_when_the_title_is_long(lang: str) -> None:
    context = full_context("proposal", need_title=LONG_TITLE * 3)
    sms = render("proposal", lang, context).sms
    assert sms.endswith(" " + RESPOND_URL)
    assert septets(sms) <= 160


@pytest.mark.parametrize(("kind", "lang"), KIND_LANG)
def test_html_escapes_a_title_with_a_script_tag(kind: str, lang: str) -> None:
    title = "<script>alert('x')</script> & venner"
    message = render(kind, lang, full_context(kind, need_title=title))
    assert "<script>" not in message.html
    assert "&lt;script&gt;" in message.html
    assert "&amp; venner" in message.html
    assert title in message.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("“Hei” og ‘hallo’", "\"Hei\" og 'hallo'"),
        ("17.30–19.00 — ca.", "17.30-19.00 - ca."),
        ("Vent…", "Vent..."),
        ("Blåbær på Ørsta, Æra", "Blåbær på Ørsta, Æra"),
        ("Crème brûlée à São Paulo", "Crème brulée à Sao Paulo"),
        ("Pris: 100 € [ca.]", "Pris: 100 € [ca.]"),
        ("«sitat»\u00a0og\ttab", "\"sitat\" og tab"),
        ("Fest 🎉", "Fest ?"),
    ],
)
def test_text_is_converted_to_close_gsm7_characters(text: str, expected: str) -> None:
    assert to_gsm7(text) == expected


def test_a_short_sms_is_left_as_it_is() -> None:
    assert fit_sms("Takk for hjelpen!") == "Takk for hjelpen!"


def test_a_long_sms_is_cut_at_a_word_boundary_with_three_dots() -> None:
    text = "ord " * 60
    sms = fit_sms(text)
    assert septets(sms) <= 160
    assert sms.endswith("ord...")
    assert "…" not in sms


def test_extension_characters_count_as_two_septets() -> None:
    assert fit_sms("€" * 80) == "€" * 80
    assert fit_sms("€" * 81) == "€" * 78 + "..."


def test_a_trailing_url_is_kept_whole_while_the_text_before_it_is_cut() -> None:
    text = "Dette er en lang tekst om et oppdrag. " * 10 + RESPOND_URL
    sms = fit_sms(text)
    assert sms.endswith("... " + RESPOND_URL)
    assert septets(sms) <= 160


@pytest.mark.parametrize("limit", [70, 100, 160])
def test_fit_sms_respects_the_given_limit(limit: int) -> None:
    text = "Kan du hjelpe oss med “Leksehjelp” på Strømsø? " * 8
    sms = fit_sms(text, limit)
    assert septets(sms) <= limit
    assert is_gsm7(sms)


@pytest.mark.parametrize("lang, with_phone, without_phone", [
    ("nb", "navnet ditt, e-postadressen din og telefonnummeret ditt", "navnet ditt og e-postadressen din til"),
    ("en", "your name, e-mail address and phone number", "your name and e-mail address to"),
])
def test_a_proposal_names_only_the_contact_details_the_volunteer_gave(lang: str, with_phone: str,
                                                                      without_phone: str) -> None:
    given = render("proposal", lang, minimal_context("proposal", volunteer_phone="+47 912 34 567"))
    not_given = render("proposal", lang, minimal_context("proposal"))

    for message in (given, not_given):
        assert (with_phone in message.text) is (message is given) and (with_phone in message.html) is (message is given)
    assert without_phone in not_given.text and without_phone in not_given.html
    assert "telefon" not in not_given.text and "phone" not in not_given.text


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_organisation_is_not_promised_a_phone_number_the_volunteer_may_not_have(lang: str) -> None:
    message = render("candidate_found", lang, full_context("candidate_found"))
    assert "telefon" not in message.text + message.html and "phone" not in message.text + message.html


CERTIFICATE_URL = RESPOND_URL + "/politiattest"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["proposal", "stand_in_proposal"])
def test_a_proposal_for_a_need_requiring_a_police_certificate_says_so_and_links_the_confirmation_of_purpose(
        kind: str, lang: str) -> None:
    asked = render(kind, lang, minimal_context(kind, police_certificate=True, certificate_url=CERTIFICATE_URL))
    plain = render(kind, lang, minimal_context(kind))

    words = {"nb": "Oppdraget krever politiattest", "en": "This assignment requires a police certificate"}[lang]
    assert words in asked.text and words in asked.html
    assert CERTIFICATE_URL in asked.text and f'<a href="{CERTIFICATE_URL}">' in asked.html
    assert "politiattest" not in plain.text.lower() + plain.html.lower()
    assert "police certificate" not in plain.text + plain.html


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind, page, does", [
    ("confirmed_volunteer", {"nb": "Min side", "en": "My page"}, {"nb": "trenger du en pause", "en": "need a break"}),
    ("confirmed_organisation", {"nb": "Våre behov", "en": "Our needs"},
     {"nb": "avslutte avtalen", "en": "end the arrangement"}),
])
def test_a_confirmation_links_the_page_where_the_assignment_is_looked_after(kind: str, page: dict[str, str],
                                                                             does: dict[str, str], lang: str) -> None:
    page_url = REQUIRED_BY_KIND[kind]["page_url"]
    message = render(kind, lang, minimal_context(kind))

    assert page[lang] in message.text and does[lang] in message.text and page_url in message.text
    assert f'<a href="{page_url}">{page[lang]}</a>' in message.html and does[lang] in message.html


@pytest.mark.parametrize("lang, words", [
    ("nb", "Dere må ha sett politiattesten til Kari Nordmann før dere bekrefter, og på svarsiden oppgir dere datoen"),
    ("en", "You must see Kari Nordmann's police certificate before you confirm, and on the answer page you give"),
])
def test_the_organisation_is_told_to_see_the_police_certificate_and_give_its_date_when_the_need_requires_one(
        lang: str, words: str) -> None:
    asked = render("volunteer_accepted", lang, minimal_context("volunteer_accepted", police_certificate=True))
    plain = render("volunteer_accepted", lang, minimal_context("volunteer_accepted"))

    assert words in asked.text and words in asked.html
    assert "politiattest" not in plain.text.lower() + plain.html.lower()
    assert "police certificate" not in plain.text + plain.html
