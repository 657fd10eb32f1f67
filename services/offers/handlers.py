"""Use cases of the offers service: each takes its dependencies as parameters."""
from __future__ import annotations

from functools import partial
from typing import Any, Callable

from shared import confirmation, signin
from shared.auth import Caller, hash_token, new_token, token_matches
from shared.config import Config
from shared.errors import DomainError, Forbidden, NotFound, Unauthorized
from shared.mongo import retrying
from services.offers import model
from services.offers.repository import OffersRepository

Clock = Callable[[], str]


def publish_offer(data: dict[str, Any], repo: OffersRepository, now: Clock) -> tuple[dict[str, Any], str]:
    """A citizen offers their time; the manage_token is returned once and stored only as a hash."""
    token = new_token()
    change = model.new_offer(data, hash_token(token), now())
    return repo.offers.insert(change.doc, change.events), token


def _holds(caller: Caller, offer: dict[str, Any], repo: OffersRepository) -> bool:
    """True when the caller's token is the offer's manage_token or a live session of its volunteer."""
    return (token_matches(caller.token, offer.get("manage_token_hash"))
            or repo.sessions.subject_of(caller.token) == offer["_id"])


def _for_service(offer: dict[str, Any]) -> dict[str, Any]:
    """The offer as a service (notify) reads it: also when the requests waiting for a link were made, never a link."""
    waiting = {}
    if model.awaiting_confirmation(offer):
        waiting["confirmation_requested_at"] = offer["confirmation"]["requested_at"]
    if offer.get("sign_in"):
        waiting["sign_in_requested_at"] = offer["sign_in"]["requested_at"]
    return {**offer, **waiting}


def readable_offer(offer_id: str, caller: Caller | None, repo: OffersRepository) -> dict[str, Any]:
    """An offer for its volunteer, staff or a service; 404 for other volunteers (existence is private)."""
    if caller is None:
        raise Unauthorized("This needs the offer's manage_token or the staff token.")
    offer = repo.offers.get(offer_id)
    if offer is not None and caller.is_service:
        return _for_service(offer)
    if offer is not None and (caller.is_staff or _holds(caller, offer, repo)):
        return offer
    raise _refusal(offer, caller, repo)


def _claimed_offer(code: str, repo: OffersRepository, config: Config,
                   now: str) -> tuple[confirmation.Claim, dict[str, Any]]:
    """What a code claims and the offer it names; LinkSuperseded when that offer is gone."""
    return confirmation.claimed(config, confirmation.OFFER_PURPOSE, code, now, repo.offers.get, "This offer is gone.")


def confirmation_state(code: str, repo: OffersRepository, config: Config, now: Clock) -> str:
    """What the page of a confirmation link shows; opening it changes nothing. InvalidLink when it does not work."""
    claim, offer = _claimed_offer(code, repo, config, now())
    return model.link_state(offer, claim.nonce)


def confirm_address(code: str, repo: OffersRepository, config: Config, now: Clock) -> str:
    """The volunteer pressed the button: the address is confirmed (a pending offer opens); again is harmless."""
    def confirm() -> str:
        claim, offer = _claimed_offer(code, repo, config, now())
        return confirmation.settle(offer, model.confirm_address(offer, claim.nonce, now()), repo.offers.save)
    return retrying(confirm)


def renew_confirmation(offer_id: str, caller: Caller | None, repo: OffersRepository, now: Clock) -> dict[str, Any]:
    """The volunteer asks for a new confirmation link."""
    def renew() -> dict[str, Any]:
        change = model.renew_confirmation(owned_offer(offer_id, caller, repo, staff_may=False), now())
        return repo.offers.save(change.doc, change.events)
    return retrying(renew)


def erase_if_unconfirmed(offer_id: str, repo: OffersRepository, now: Clock) -> bool:
    """Erase one new offer if its address was not confirmed before its links expired."""
    offer = repo.offers.get(offer_id)
    if offer is None or not model.unconfirmed_too_long(offer, now()):
        return False
    change = model.withdraw_offer(offer, now(), reason=model.UNCONFIRMED)
    repo.offers.save(change.doc, change.events)
    return True


def erase_unconfirmed(repo: OffersRepository, now: Clock) -> int:
    """Erase every new offer whose address was not confirmed in time (a periodic task of the worker); how many."""
    stale = repo.pending_requested_before(model.PENDING, confirmation.requested_before(now()))
    return sum(retrying(partial(erase_if_unconfirmed, offer["_id"], repo, now)) for offer in stale)


def owned_offer(offer_id: str, caller: Caller | None, repo: OffersRepository, staff_may: bool) -> dict[str, Any]:
    """An offer the caller may change: its volunteer (and staff where allowed)."""
    if caller is None:
        raise Unauthorized("This needs the offer's manage_token.")
    offer = repo.offers.get(offer_id)
    if offer is not None and ((staff_may and caller.is_staff) or _holds(caller, offer, repo)):
        return offer
    raise _refusal(offer, caller, repo)


def token_holder(token: str, repo: OffersRepository) -> dict[str, Any] | None:
    """Whose manage_token or session this is, for introspection: the volunteer of an offer not withdrawn
    (pending included)."""
    offer = repo.offer_by_token_hash(hash_token(token))
    signed_in = repo.sessions.subject_of(token) if offer is None else None
    if signed_in:
        offer = repo.offers.get(signed_in)
    if offer is None or offer["status"] == model.WITHDRAWN:
        return None
    return {"kind": "volunteer", "offer_id": offer["_id"]}


def knows_token(token: str, repo: OffersRepository) -> bool:
    """Whether the token is some volunteer's manage_token (withdrawn offers included) or live session."""
    return repo.manage_token_known(hash_token(token)) or repo.sessions.subject_of(token) is not None


def _refusal(offer: dict[str, Any] | None, caller: Caller, repo: OffersRepository) -> DomainError:
    """Why a caller may not have an offer: 403 for staff and services, who may see it; 401 for a token
    nobody holds; 404 for another volunteer, to whom the offer's existence is private."""
    if caller.is_staff or caller.is_service:
        return Forbidden("Only the volunteer may change an offer.") if offer is not None else NotFound("No such offer.")
    if not knows_token(caller.token, repo):
        return Unauthorized("Unknown manage_token.")
    return NotFound("No such offer.")


def update_offer(offer_id: str, changes: dict[str, Any], caller: Caller | None, repo: OffersRepository, now: Clock) -> dict[str, Any]:
    """The volunteer changes their offer."""
    def update() -> dict[str, Any]:
        change = model.update_offer(owned_offer(offer_id, caller, repo, staff_may=False), changes, now())
        return repo.offers.save(change.doc, change.events)
    return retrying(update)


def withdraw_offer(offer_id: str, caller: Caller | None, repo: OffersRepository, now: Clock) -> dict[str, Any]:
    """The volunteer or staff withdraw the offer; personal data is erased and the volunteer's sessions end."""
    def withdraw() -> dict[str, Any]:
        offer = owned_offer(offer_id, caller, repo, staff_may=True)
        if offer["status"] == model.WITHDRAWN:
            return offer
        change = model.withdraw_offer(offer, now())
        return repo.offers.save(change.doc, change.events)
    withdrawn = retrying(withdraw)
    repo.sessions.revoke_all(offer_id)
    return withdrawn


def request_sign_in(email: str, repo: OffersRepository, now: Clock) -> dict[str, str]:
    """A volunteer asks for a sign-in link: one goes to each open offer of that confirmed address (none to any
    other); the answer is the same either way."""
    for offer_id in repo.offers_of(email, model.OPEN):
        retrying(partial(_ask_sign_in, offer_id, repo, now))
    return signin.ACCEPTED


def _ask_sign_in(offer_id: str, repo: OffersRepository, now: Clock) -> None:
    offer = repo.offers.get(offer_id)
    change = model.request_sign_in(offer, now()) if offer else None
    if change and change.events:
        repo.offers.save(change.doc, change.events)


def _offer_of_manage_token(token: str, repo: OffersRepository) -> str | None:
    """The id of the offer, not withdrawn, whose manage_token this is."""
    offer = repo.offer_by_token_hash(hash_token(token))
    return offer["_id"] if offer is not None and offer["status"] != model.WITHDRAWN else None


def open_session(code: str | None, caller: Caller | None, repo: OffersRepository, config: Config,
                 now: Clock) -> dict[str, str]:
    """A session token for an offer: for a sign-in link's code, once per link; without a code, for the caller's
    manage_token (pending offers included), each time it is asked."""
    if code is None:
        session = signin.exchange(caller, partial(_offer_of_manage_token, repo=repo), partial(knows_token, repo=repo),
                                  repo.sessions)
    else:
        session = signin.redeem(config, signin.OFFER_PURPOSE, code, now(),
                                partial(repo.use_sign_in, status=model.OPEN), repo.sessions)
    return {"token": session["token"], "offer_id": session["subject_id"], "expires_at": session["expires_at"]}


def check_sign_in(code: str, repo: OffersRepository, config: Config, now: Clock) -> dict[str, str]:
    """Whether a volunteer's sign-in link would open a session now; asking changes nothing."""
    return signin.check(config, signin.OFFER_PURPOSE, code, now(), partial(repo.sign_in_waiting, status=model.OPEN))


def close_session(caller: Caller | None, repo: OffersRepository) -> None:
    """The volunteer signs out: the session token stops working."""
    signin.sign_out(caller, repo.sessions, partial(knows_token, repo=repo))


def list_offers(query: dict[str, Any], repo: OffersRepository) -> dict[str, Any]:
    """The staff listing, with contact details: one page of it."""
    return repo.find_offers(query)
