"""The organisation's forms: what they check themselves before anything is sent."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from shared.config import Config
from services.web.app import create_app
from services.web.organisation_forms import NeedForm, RegisterForm

REGISTER = {"name": "Konnerud Sanitetsforening", "org_number": "974760673", "kind": "association", "unit": "",
            "contact_name": "Ola Hansen", "contact_email": "ola@example.no", "contact_phone": ""}
NEED = {"title": "Besøksvenn", "district": "fjell", "schedule_kind": "weekly", "weekday": "2",
        "weekly_start": "17:30", "weekly_end": "19:00", "volunteers_needed": "2"}


@pytest.fixture
def app():
    app = create_app(Config(web_session_keys=("unit-test-key-" + "k" * 32,), testing=True))
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def errors_of(app, form_class, data: dict) -> dict:
    with app.test_request_context(method="POST", data=MultiDict(data)):
        form = form_class()
        form.validate()
        return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def test_a_complete_registration_passes(app):
    assert errors_of(app, RegisterForm, REGISTER) == {}


@pytest.mark.parametrize("number", ["974760674", "97476067", "9747606733", "97476067A"])
def test_a_wrong_organisation_number_is_named_in_plain_words(app, number):
    assert errors_of(app, RegisterForm, {**REGISTER, "org_number": number})["org_number"] == [
        "Organisasjonsnummeret stemmer ikke. Sjekk at du har skrevet alle ni sifrene riktig."]


def test_spaces_in_the_organisation_number_are_fine(app):
    assert errors_of(app, RegisterForm, {**REGISTER, "org_number": "974 760 673"}) == {}


def test_a_municipal_service_must_name_its_unit_and_others_need_not(app):
    assert "unit" in errors_of(app, RegisterForm, {**REGISTER, "kind": "municipal_service"})
    named = {**REGISTER, "kind": "municipal_service", "unit": "Fjell bo- og omsorgssenter"}
    assert errors_of(app, RegisterForm, named) == {}


def test_a_complete_weekly_need_passes_without_the_period_fields(app):
    assert errors_of(app, NeedForm, NEED) == {}


def test_only_the_chosen_schedule_group_is_checked(app):
    period = {**NEED, "schedule_kind": "period", "weekly_start": "", "weekly_end": "nonsense"}
    assert set(errors_of(app, NeedForm, period)) == {"period_date", "period_start", "period_end"}


@pytest.mark.parametrize("field, value", [("weekly_start", "halv seks"), ("from_date", "i morgen"),
                                          ("volunteers_needed", "to"), ("min_age", "atten")])
def test_unreadable_values_are_named_beside_their_field(app, field, value):
    assert field in errors_of(app, NeedForm, {**NEED, field: value})


def test_the_need_form_offers_the_languages_of_the_volunteer_form_with_the_same_labels(app):
    from services.web.form_values import LANGUAGES
    from services.web.volunteer_forms import OfferForm

    assert OfferForm.languages.kwargs["choices"] is LANGUAGES
    with app.test_request_context("/"):
        offered = [(code, str(label)) for code, label in NeedForm().languages.choices]
        assert offered == [(code, str(label)) for code, label in LANGUAGES]
        assert ("nn", "norsk nynorsk") in offered and len(offered) == 15
