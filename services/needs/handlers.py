"""Use cases of the needs service: each takes its dependencies as parameters."""
from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, Callable

from shared import confirmation, signin
from shared.auth import Caller, hash_token, new_token
from shared.clock import to_iso
from shared.config import Config
from shared.errors import Forbidden, NotFound, Unauthorized
from shared.mongo import retrying
from services.needs import model
from services.needs.repository import NeedsRepository

Clock = Callable[[], str]
OWNER_OR_STAFF = "This needs the organisation's api_key or the staff token."


def register_organisation(data: dict[str, Any], repo: NeedsRepository, now: Clock) -> tuple[dict[str, Any], str]:
    """Register an organisation; its api_key is returned once and stored only as a hash."""
    api_key = new_token()
    change = model.new_organisation(data, hash_token(api_key), now())
    return repo.organisations.insert(change.doc, change.events), api_key


def _holder(token: str, repo: NeedsRepository) -> dict[str, Any] | None:
    """The organisation whose api_key this token is, or whose contact's live session it is, if any."""
    organisation = repo.organisation_by_key_hash(hash_token(token))
    signed_in = repo.sessions.subject_of(token) if organisation is None else None
    return repo.organisations.get(signed_in) if signed_in else organisation


def token_holder(token: str, repo: NeedsRepository) -> dict[str, Any] | None:
    """Whose api_key or session this is, for introspection: the organisation, verified or not."""
    organisation = _holder(token, repo)
    return {"kind": "organisation", "organisation_id": organisation["_id"]} if organisation else None


def knows_token(token: str, repo: NeedsRepository) -> bool:
    """Whether the token is some organisation's api_key or a live session of its contact."""
    return _holder(token, repo) is not None


def organisation_of(caller: Caller | None, repo: NeedsRepository) -> dict[str, Any]:
    """The organisation whose api_key (or session) the caller holds; 401 otherwise."""
    organisation = _holder(caller.token, repo) if caller else None
    if organisation is None:
        raise Unauthorized("Unknown api_key.")
    return organisation


def may_read_contact(caller: Caller | None, organisation: dict[str, Any], repo: NeedsRepository) -> bool:
    """Staff, services and the organisation itself see its contact details."""
    if caller is None:
        return False
    if caller.is_staff or caller.is_service:
        return True
    owner = _holder(caller.token, repo)
    return owner is not None and owner["_id"] == organisation["_id"]


def get_organisation(org_id: str, repo: NeedsRepository) -> dict[str, Any]:
    """An organisation by id; 404 when there is none."""
    organisation = repo.organisations.get(org_id)
    if organisation is None:
        raise NotFound("No such organisation.")
    return organisation


def readable_organisation(org_id: str, caller: Caller | None, repo: NeedsRepository) -> dict[str, Any]:
    """An organisation; its contact only for itself, staff and services, and to a service (notify) also when
    the request waiting to be confirmed was made, never its link."""
    organisation = get_organisation(org_id, repo)
    if not may_read_contact(caller, organisation, repo):
        return {k: v for k, v in organisation.items() if k != "contact"}
    if caller.is_service:
        return _for_service(organisation)
    return organisation


def _for_service(organisation: dict[str, Any]) -> dict[str, Any]:
    """The organisation as a service (notify) reads it: also when the requests waiting for a link were made."""
    waiting = {}
    if model.awaiting_confirmation(organisation):
        waiting["confirmation_requested_at"] = organisation["confirmation"]["requested_at"]
    if organisation.get("sign_in"):
        waiting["sign_in_requested_at"] = organisation["sign_in"]["requested_at"]
    return {**organisation, **waiting}


def request_sign_in(email: str, repo: NeedsRepository, now: Clock) -> dict[str, str]:
    """A contact asks for a sign-in link: one goes to each organisation whose confirmed contact address this is
    (none to any other); the answer is the same either way."""
    for org_id in repo.confirmed_organisations_of(email):
        retrying(partial(_ask_sign_in, org_id, repo, now))
    return signin.ACCEPTED


def _ask_sign_in(org_id: str, repo: NeedsRepository, now: Clock) -> None:
    change = model.request_sign_in(get_organisation(org_id, repo), now())
    if change.events:
        repo.organisations.save(change.doc, change.events)


def _organisation_of_api_key(token: str, repo: NeedsRepository) -> str | None:
    """The id of the organisation whose api_key this is."""
    organisation = repo.organisation_by_key_hash(hash_token(token))
    return organisation["_id"] if organisation is not None else None


def open_session(code: str | None, caller: Caller | None, repo: NeedsRepository, config: Config,
                 now: Clock) -> dict[str, str]:
    """A session token for an organisation: for its contact's sign-in link, once per link; without a code, for
    the caller's api_key (unverified organisations included), each time it is asked."""
    if code is None:
        session = signin.exchange(caller, partial(_organisation_of_api_key, repo=repo),
                                  partial(knows_token, repo=repo), repo.sessions)
    else:
        session = signin.redeem(config, signin.CONTACT_PURPOSE, code, now(), repo.use_sign_in, repo.sessions)
    return {"token": session["token"], "organisation_id": session["subject_id"], "expires_at": session["expires_at"]}


def check_sign_in(code: str, repo: NeedsRepository, config: Config, now: Clock) -> dict[str, str]:
    """Whether a contact's sign-in link would open a session now; asking changes nothing."""
    return signin.check(config, signin.CONTACT_PURPOSE, code, now(), repo.sign_in_waiting)


def close_session(caller: Caller | None, repo: NeedsRepository) -> None:
    """The contact signs out: the session token stops working."""
    signin.sign_out(caller, repo.sessions, partial(knows_token, repo=repo))


def _claimed_organisation(code: str, repo: NeedsRepository, config: Config,
                          now: str) -> tuple[confirmation.Claim, dict[str, Any]]:
    """What a code claims and the organisation it names; LinkSuperseded when that organisation is gone."""
    return confirmation.claimed(config, confirmation.CONTACT_PURPOSE, code, now, repo.organisations.get,
                                "This organisation is gone.")


def confirmation_state(code: str, repo: NeedsRepository, config: Config, now: Clock) -> str:
    """What the page of a contact's confirmation link shows; opening it changes nothing."""
    claim, organisation = _claimed_organisation(code, repo, config, now())
    return model.link_state(organisation, claim.nonce)


def confirm_contact(code: str, repo: NeedsRepository, config: Config, now: Clock) -> str:
    """The contact pressed the button: the address is confirmed, and staff may now verify the organisation."""
    def confirm() -> str:
        claim, organisation = _claimed_organisation(code, repo, config, now())
        return confirmation.settle(organisation, model.confirm_contact(organisation, claim.nonce, now()),
                                   repo.organisations.save)
    return retrying(confirm)


def check_owner_or_staff(org_id: str, caller: Caller | None, repo: NeedsRepository) -> None:
    """Staff, or the organisation itself, may change an organisation; 404 when there is none."""
    if caller is None:
        raise Unauthorized(OWNER_OR_STAFF)
    if caller.is_service:
        raise Forbidden("Services may read organisations, not change them.")
    if not caller.is_staff and organisation_of(caller, repo)["_id"] != get_organisation(org_id, repo)["_id"]:
        raise Forbidden("This is another organisation.")


def update_organisation(org_id: str, changes: dict[str, Any], caller: Caller | None, repo: NeedsRepository,
                        now: Clock) -> dict[str, Any]:
    """The organisation or staff change its settings."""
    check_owner_or_staff(org_id, caller, repo)

    def update() -> dict[str, Any]:
        organisation = get_organisation(org_id, repo)
        change = model.change_settings(organisation, changes, now())
        return organisation if change.doc is organisation else repo.organisations.save(change.doc, change.events)
    return retrying(update)


def renew_contact_confirmation(org_id: str, caller: Caller | None, repo: NeedsRepository, now: Clock) -> dict[str, Any]:
    """The organisation or staff ask for a new confirmation link to the contact."""
    check_owner_or_staff(org_id, caller, repo)

    def renew() -> dict[str, Any]:
        change = model.renew_confirmation(get_organisation(org_id, repo), now())
        return repo.organisations.save(change.doc, change.events)
    return retrying(renew)


def verify_organisation(org_id: str, repo: NeedsRepository, now: Clock) -> dict[str, Any]:
    """Staff verify an organisation; its needs that waited are published."""
    def verify() -> dict[str, Any]:
        organisation = get_organisation(org_id, repo)
        if organisation["verified"]:
            return organisation
        model.check_verifiable(organisation)
        return repo.organisations.save({**organisation, "verified": True, "verified_at": now()})

    organisation = retrying(verify)
    publish_waiting(org_id, repo, now)
    return organisation


def _publish_once(need_id: str, repo: NeedsRepository, now: Clock) -> None:
    change = model.publish_pending(repo.needs.get(need_id), now())
    if change.events:
        repo.needs.save(change.doc, change.events)


def publish_waiting(org_id: str, repo: NeedsRepository, now: Clock) -> None:
    """Publish every need of a verified organisation still waiting for its verification."""
    for need in repo.needs_of(org_id, status=model.PENDING):
        retrying(partial(_publish_once, need["_id"], repo, now))


def publish_all_waiting(repo: NeedsRepository, now: Clock) -> None:
    """Publish the waiting needs of every verified organisation: repairs a verification cut short."""
    for org_id in {need["organisation_id"] for need in repo.needs_with_status(model.PENDING)}:
        organisation = repo.organisations.get(org_id)
        if organisation and organisation["verified"]:
            publish_waiting(org_id, repo, now)


def _close_once(need_id: str, repo: NeedsRepository, now: datetime) -> None:
    need = repo.needs.get(need_id)
    if need["status"] != model.CLOSED and model.is_over(need, now):
        change = model.close_need(need, to_iso(now), reason="over")
        repo.needs.save(change.doc, change.events)


def close_over_needs(repo: NeedsRepository, clock: Callable[[], datetime]) -> None:
    """Close, as "over", every open or waiting need whose last occurrence is past."""
    now = clock()
    for need in repo.needs_with_status(model.OPEN, model.PENDING):
        if model.is_over(need, now):
            retrying(partial(_close_once, need["_id"], repo, now))


def post_need(data: dict[str, Any], caller: Caller | None, repo: NeedsRepository, now: Clock) -> dict[str, Any]:
    """An organisation posts a need."""
    if caller is not None and (caller.is_staff or caller.is_service):
        raise Forbidden("Needs are posted with an organisation's api_key.")
    organisation = organisation_of(caller, repo)
    change = model.new_need(data, organisation, now())
    need = repo.needs.insert(change.doc, change.events)
    if need["status"] == model.PENDING and get_organisation(organisation["_id"], repo)["verified"]:
        publish_waiting(organisation["_id"], repo, now)  # verified while this need was being stored
        return repo.needs.get(need["_id"])
    return need


def _existing_need(need_id: str, repo: NeedsRepository) -> dict[str, Any]:
    need = repo.needs.get(need_id)
    if need is None:
        raise NotFound("No such need.")
    return need


def owned_need(need_id: str, caller: Caller | None, repo: NeedsRepository) -> dict[str, Any]:
    """A need the caller may change: staff, or the organisation that posted it. A missing token comes first."""
    if caller is None:
        raise Unauthorized(OWNER_OR_STAFF)
    return _as_owner(_existing_need(need_id, repo), caller, repo)


def _as_owner(need: dict[str, Any], caller: Caller | None, repo: NeedsRepository) -> dict[str, Any]:
    """The need, if the caller is staff or the organisation that posted it."""
    if caller is None:
        raise Unauthorized(OWNER_OR_STAFF)
    if caller.is_staff:
        return need
    if caller.is_service:
        raise Forbidden("Services may read needs, not change them.")
    if organisation_of(caller, repo)["_id"] != need["organisation_id"]:
        raise Forbidden("This need belongs to another organisation.")
    return need


def get_need(need_id: str, caller: Caller | None, repo: NeedsRepository) -> dict[str, Any]:
    """Open needs are public; others only to their organisation, staff and services."""
    need = _existing_need(need_id, repo)
    if need["status"] == model.OPEN or (caller is not None and caller.is_service):
        return need
    return _as_owner(need, caller, repo)


def update_need(need_id: str, changes: dict[str, Any], caller: Caller | None, repo: NeedsRepository, now: Clock) -> dict[str, Any]:
    """The owner or staff change a need."""
    def update() -> dict[str, Any]:
        change = model.update_need(owned_need(need_id, caller, repo), changes, now())
        return repo.needs.save(change.doc, change.events)
    return retrying(update)


def close_need(need_id: str, caller: Caller | None, repo: NeedsRepository, now: Clock) -> dict[str, Any]:
    """The owner or staff close a need."""
    def close() -> dict[str, Any]:
        need = owned_need(need_id, caller, repo)
        if need["status"] == model.CLOSED:
            return need
        change = model.close_need(need, now())
        return repo.needs.save(change.doc, change.events)
    return retrying(close)


def list_organisations(query: dict[str, Any], repo: NeedsRepository) -> dict[str, Any]:
    """The staff listing: one page of organisations, e.g. those whose contact confirmed and who wait to be verified."""
    return repo.find_organisations(query)


def needs_of_my_organisation(query: dict[str, Any], caller: Caller | None, repo: NeedsRepository) -> dict[str, Any]:
    """One page of the caller's organisation's needs, whatever their status, newest first."""
    if caller is not None and (caller.is_staff or caller.is_service):
        raise Forbidden("Only an organisation has needs of its own.")
    return repo.page_of_needs_of(organisation_of(caller, repo)["_id"], query)


def list_open_needs(query: dict[str, Any], repo: NeedsRepository) -> dict[str, Any]:
    """The public listing: one page of open needs."""
    return repo.find_needs({**query, "status": model.OPEN})
