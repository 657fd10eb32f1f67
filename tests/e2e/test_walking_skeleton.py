"""One need and three offers travel the whole way: HTTP in, Kafka between services, MongoDB underneath, e-mail out."""
from __future__ import annotations

import requests

from shared.events import ALL_TOPICS, dlq_topic
from tests.conftest import wait_until
from tests.e2e import scenario


def _register_verified_organisation(system, **kwargs) -> tuple[str, str]:
    created = requests.post(system.url("needs", "/organisations"), json=scenario.organisation(**kwargs), timeout=10)
    assert created.status_code == 201, created.text
    org = created.json()
    verified = requests.post(system.url("needs", f"/organisations/{org['id']}/verify"), headers=system.staff(), timeout=10)
    assert verified.status_code == 200, verified.text
    return org["id"], org["api_key"]


def _matches(system, need_id: str, api_key: str) -> list[dict]:
    response = requests.get(system.url("matcher", "/matches"), params={"need_id": need_id},
                            headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_fitting_offer_is_proposed_and_both_sides_get_mail_without_personal_data_on_topics(system):
    org_id, api_key = _register_verified_organisation(system)
    offers = {
        "fits": scenario.offer("kari@example.no", phone="91234567"),
        "other_district": scenario.offer("per@example.no", phone="92345678", districts=("svelvik",)),
        "other_time": scenario.offer("lise@example.no", phone="93456789", weekday=4),
    }
    ids = {}
    for label, body in offers.items():
        response = requests.post(system.url("offers", "/offers"), json=body, timeout=10)
        assert response.status_code == 201, response.text
        ids[label] = response.json()["id"]
    wait_until(lambda: all(system.matcher_record("offers", i) for i in ids.values()), timeout=45,
               message="the matcher to know all three offers")

    need = requests.post(system.url("needs", "/needs"), json=scenario.need(volunteers_needed=3),
                         headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert need.status_code == 201, need.text
    need_id = need.json()["id"]

    proposals = wait_until(lambda: _matches(system, need_id, api_key), timeout=45, message="a proposal")
    assert system.matcher_record("need_candidates", need_id)["count"] == 1
    assert [m["offer_id"] for m in proposals] == [ids["fits"]]
    assert proposals[0]["status"] == "proposed"

    volunteer_mail = wait_until(lambda: system.mail.to("kari@example.no"), timeout=30, message="mail to volunteer")
    org_mail = wait_until(lambda: system.mail.to("kontakt@fjell.example.no"), timeout=30, message="mail to organisation")
    assert len(volunteer_mail) == 1 and len(org_mail) == 1
    assert scenario.NEED_TITLE in volunteer_mail[0].text()
    assert scenario.NEED_TITLE in org_mail[0].text()
    assert not system.mail.to("per@example.no") and not system.mail.to("lise@example.no")

    personal = [b["volunteer"][k] for b in offers.values() for k in ("email", "phone", "name")]
    personal += ["kontakt@fjell.example.no", "+4798765432", "+4791234567", "Ola Hansen"]
    messages = system.all_messages([t for topic in ALL_TOPICS for t in (topic, dlq_topic(topic))])
    assert any(m.topic == "matches.v1" for m in messages)
    leaks = [(m.topic, p) for m in messages for p in personal if p.encode() in m.value]
    assert leaks == []


def test_volunteer_answers_through_the_link_and_organisation_with_its_key_then_both_are_confirmed(system):
    _, api_key = _register_verified_organisation(system, email="leder@konnerud.example.no")
    body = scenario.need(title="Leksehjelp på Konnerud", district="konnerud")
    body["requirements"]["languages"] = ["nb", "en"]
    body["skills"] = ["homework_help"]
    need = requests.post(system.url("needs", "/needs"), json=body,
                         headers={"Authorization": f"Bearer {api_key}"}, timeout=10).json()
    body = scenario.offer("ida@example.no", phone="94567890", districts=("konnerud",), languages=("en", "ar"))
    body["skills"] = ["homework_help"]
    offer = requests.post(system.url("offers", "/offers"), json=body, timeout=10).json()
    [match] = wait_until(lambda: _matches(system, need["id"], api_key), timeout=45, message="a proposal")
    assert match["offer_id"] == offer["id"]
    [proposal] = wait_until(lambda: system.mail.to("ida@example.no"), timeout=30, message="the proposal mail")
    assert proposal.message["Subject"].startswith("Could you help")
    link = next(word for word in proposal.text().split() if "/r/" in word)

    stranger = requests.post(system.url("matcher", f"/matches/{match['id']}/accept"),
                             headers={"Authorization": "Bearer not-a-token"}, timeout=10)
    assert stranger.status_code == 404
    assert requests.get(link, timeout=10).status_code == 200
    assert requests.get(link, timeout=10).status_code == 200
    assert _matches(system, need["id"], api_key)[0]["accepted_by"] == []

    assert requests.post(link, data={"answer": "accept"}, timeout=10).status_code == 200
    accepted = requests.post(system.url("matcher", f"/matches/{match['id']}/accept"),
                             headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert accepted.status_code == 200 and accepted.json()["status"] == "confirmed"

    wait_until(lambda: len(system.mail.to("ida@example.no")) == 2, timeout=30, message="the confirmation")
    confirmation = system.mail.to("ida@example.no")[1]
    assert "Ola Hansen" in confirmation.text()
    to_organisation = wait_until(lambda: [m for m in system.mail.to("leder@konnerud.example.no")
                                          if "ida@example.no" in m.text()], timeout=30, message="contact details")
    assert "+4794567890" in to_organisation[0].text()
