"""Needs and offers travel the whole way: HTTP in, Kafka between services, MongoDB underneath, e-mail out, and
people answering through the links in their mail and the buttons on the pages those links open."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urljoin

import requests
from icalendar import Calendar

from shared.events import ALL_TOPICS, dlq_topic
from tests.conftest import CapturedMail, wait_until
from tests.e2e import scenario
from tests.e2e.journeys import answer_link, forms_of, matches, register_confirmed_offer, register_verified_organisation

ANSWER_PATH = "/r/"
PROPOSAL_SUBJECTS = ("Kan du hjelpe", "Could you help")


def _subjects_of(system, email: str) -> list[str]:
    return [str(m.message["Subject"]) for m in system.mail.to(email)]


def _mail(system, email: str, starts: tuple[str, ...] | str, contains: str = "", count: int = 1,
          timeout: float = 45) -> list[CapturedMail]:
    """Wait until `count` mails whose subject starts so (and contains `contains`) reached this address."""
    def found():
        mails = [m for m in system.mail.to(email) if str(m.message["Subject"]).startswith(starts)
                 and contains in str(m.message["Subject"])]
        return mails if len(mails) >= count else None
    return wait_until(found, timeout=timeout, message=lambda: f"{count} mail(s) '{starts}' to {email}, have "
                      f"{_subjects_of(system, email)}")


def _press(link: str, answer: str) -> requests.Response:
    """Open the page a link leads to, type the date a police certificate was seen where the page asks for it (a
    week ago), and press the button with this answer, as a browser submits the form."""
    page = requests.get(link, timeout=10)
    assert page.status_code == 200, page.text
    [form] = [f for f in forms_of(page.text) if f["method"] == "post"]
    [button] = [b for b in form["buttons"] if b.get("value") == answer]
    seen_on = (date.today() - timedelta(days=7)).isoformat()
    typed = {i["name"]: seen_on for i in form["inputs"] if i.get("name") == "certificate_seen_on"}
    return requests.post(urljoin(link, form["action"]), data={**typed, button["name"]: button["value"]}, timeout=10)


def _organisation(system, email: str) -> dict[str, Any]:
    return register_verified_organisation(system, scenario.organisation(email=email))


def _post_need(system, api_key: str, **changes: Any) -> dict[str, Any]:
    body = {**scenario.need(), **changes}
    response = requests.post(system.url("needs", "/needs"), json=body, headers={"Authorization": f"Bearer {api_key}"},
                             timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def test_fitting_offer_is_proposed_and_both_sides_get_mail_without_personal_data_on_topics(system):
    organisation = _organisation(system, "kontakt@fjell.example.no")
    offers = {
        "fits": scenario.offer("kari@example.no", phone="91234567"),
        "other_district": scenario.offer("per@example.no", phone="92345678", districts=("svelvik",)),
        "other_time": scenario.offer("lise@example.no", phone="93456789", weekday=4),
    }
    ids = {label: register_confirmed_offer(system, body)["id"] for label, body in offers.items()}
    wait_until(lambda: all(system.matcher_record("offers", i) for i in ids.values()), timeout=45,
               message="the matcher to know all three offers")

    need = _post_need(system, organisation["api_key"], volunteers_needed=3)

    proposals = wait_until(lambda: matches(system, need["id"], organisation["api_key"]), timeout=45,
                           message="a proposal")
    assert system.matcher_record("need_candidates", need["id"])["count"] == 1
    assert [m["offer_id"] for m in proposals] == [ids["fits"]]
    assert proposals[0]["status"] == "proposed"

    [proposal] = _mail(system, "kari@example.no", PROPOSAL_SUBJECTS)
    [candidate] = _mail(system, "kontakt@fjell.example.no", "Vi har funnet en mulig frivillig")
    assert scenario.NEED_TITLE in proposal.text() and scenario.NEED_TITLE in candidate.text()
    assert "Sier du ja, sender vi navnet ditt" in proposal.text()
    assert "Sier den frivillige ja, får dere en e-post med navn" in candidate.text()
    assert ANSWER_PATH not in candidate.text() and "kari@example.no" not in candidate.text()
    for email in ("per@example.no", "lise@example.no"):
        assert not [s for s in _subjects_of(system, email) if s.startswith(PROPOSAL_SUBJECTS)]

    personal = [b["volunteer"][k] for b in offers.values() for k in ("email", "phone", "name")]
    personal += ["kontakt@fjell.example.no", "+4798765432", "+4791234567", "Ola Hansen"]
    messages = system.all_messages([t for topic in ALL_TOPICS for t in (topic, dlq_topic(topic))])
    assert any(m.topic == "matches.v1" for m in messages)
    leaks = [(m.topic, p) for m in messages for p in personal if p.encode() in m.value]
    assert leaks == []


def test_volunteer_accepts_through_the_mail_then_the_organisation_confirms_through_its_own_and_both_are_told(system):
    organisation = _organisation(system, "leder@konnerud.example.no")
    body = scenario.offer("ida@example.no", phone="94567890", districts=("konnerud",), languages=("en", "ar"))
    body["skills"] = ["homework_help"]
    offer = register_confirmed_offer(system, body)
    wait_until(lambda: system.matcher_record("offers", offer["id"]), timeout=45, message="the matcher to know the offer")
    need = _post_need(system, organisation["api_key"], title="Leksehjelp på Konnerud", district="konnerud",
                      skills=["homework_help"], requirements={"police_certificate": True, "min_age": 18,
                                                              "languages": ["nb", "en"]})

    [proposal] = _mail(system, "ida@example.no", PROPOSAL_SUBJECTS)
    assert proposal.message["Subject"].startswith("Could you help")
    volunteer_link = answer_link(proposal)
    for _ in range(2):
        page = requests.get(volunteer_link, timeout=10)
        assert page.status_code == 200 and "Leksehjelp på Konnerud" in page.text
    [match] = matches(system, need["id"], organisation["api_key"])
    assert (match["status"], match["accepted_by"]) == ("proposed", [])

    accepted = _press(volunteer_link, "accept")
    assert accepted.status_code == 200, accepted.text

    [asked] = _mail(system, "leder@konnerud.example.no", "Frivillig ida har takket ja til")
    for fact in ("Frivillig ida", "ida@example.no", "+4794567890", "Leksehjelp på Konnerud", "bekreft", "innen"):
        assert fact in asked.text()
    organisation_link = answer_link(asked)
    assert organisation_link != volunteer_link
    page = requests.get(organisation_link, timeout=10)
    assert page.status_code == 200 and "ida@example.no" in page.text
    assert matches(system, need["id"], organisation["api_key"])[0]["status"] == "proposed"

    confirmed = _press(organisation_link, "accept")
    assert confirmed.status_code == 200 and "Oppdraget er bekreftet" in confirmed.text

    [to_volunteer] = _mail(system, "ida@example.no", "Thank you! You're on board")
    assert "Ola Hansen" in to_volunteer.text() and "leder@konnerud.example.no" in to_volunteer.text()
    [calendar_file] = list(to_volunteer.message.iter_attachments())
    assert calendar_file.get_content_type() == "text/calendar" and calendar_file.get_filename() == "oppdrag.ics"
    assert str(Calendar.from_ical(calendar_file.get_content()).walk("VEVENT")[0]["uid"]).startswith(match["id"])
    [to_organisation] = _mail(system, "leder@konnerud.example.no", "Bekreftet: Frivillig ida")
    assert "+4794567890" in to_organisation.text()
    assert matches(system, need["id"], organisation["api_key"])[0]["status"] == "confirmed"
    assert requests.get(organisation_link, timeout=10).status_code == 409
    assert requests.post(system.url("matcher", f"/matches/{match['id']}/decline"),
                         headers={"Authorization": "Bearer not-a-token"}, timeout=10).status_code == 401


def test_organisation_declines_through_its_link_and_the_next_candidate_is_asked(system):
    organisation = _organisation(system, "kontakt@gulskogen.example.no")
    volunteers = ("anne@example.no", "bjorn@example.no")
    for n, email in enumerate(volunteers):
        body = scenario.offer(email, phone=f"9500000{n}", districts=("gulskogen",))
        body["skills"] = ["driving"]
        offer = register_confirmed_offer(system, body)
        wait_until(lambda: system.matcher_record("offers", offer["id"]), timeout=45, message=f"the offer of {email}")
    _post_need(system, organisation["api_key"], title="Sjåfør på Gulskogen", district="gulskogen", skills=["driving"])

    first = wait_until(lambda: [e for e in volunteers if _has_proposal(system, e)], timeout=45,
                       message="a proposal to one of the two")
    [asked_first] = first
    [asked_next] = [e for e in volunteers if e != asked_first]
    [proposal] = _mail(system, asked_first, PROPOSAL_SUBJECTS)
    assert _press(answer_link(proposal), "accept").status_code == 200
    [asked] = _mail(system, "kontakt@gulskogen.example.no", f"Frivillig {asked_first.split('@')[0]} har takket ja")

    declined = _press(answer_link(asked), "decline")
    assert declined.status_code == 200 and "spør neste kandidat" in declined.text

    [told] = _mail(system, asked_first, "«Sjåfør på Gulskogen» blir ikke noe av")
    assert "Fjell bo- og omsorgssenter" in told.text()
    [next_proposal] = _mail(system, asked_next, PROPOSAL_SUBJECTS)
    assert "Sjåfør på Gulskogen" in next_proposal.text()


def _has_proposal(system, email: str) -> bool:
    return any(s.startswith(PROPOSAL_SUBJECTS) for s in _subjects_of(system, email))
