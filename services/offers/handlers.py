"""Use cases of the offers service: each takes its dependencies as parameters."""
from __future__ import annotations

from functools import partial
from typing import Any, Callable

from shared import confirmation
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


def readable_offer(offer_id: str, caller: Caller | None, repo: OffersRepository) -> dict[str, Any]:
    """An offer for its volunteer, staff or a service; 404 for other volunteers (existence is private).
    A service (notify) also learns when the request waiting to be confirmed was made, never its link."""
    if caller is None:
        raise Unauthorized("This needs the offer's manage_token or the staff token.")
    offer = repo.offers.get(offer_id)
    if offer is not None and caller.is_service and model.awaiting_confirmation(offer):
        return {**offer, "confirmation_requested_at": offer["confirmation"]["requested_at"]}
    if offer is not None and (caller.is_staff or caller.is_service
                              or token_matches(caller.token, offer.get("manage_token_hash"))):
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
    if offer is not None and ((staff_may and caller.is_staff)
                              or token_matches(caller.token, offer.get("manage_token_hash"))):
        return offer
    raise _refusal(offer, caller, repo)


def token_holder(token: str, repo: OffersRepository) -> dict[str, Any] | None:
    """Whose manage_token this is, for introspection: the volunteer of an offer not withdrawn (pending included)."""
    offer = repo.offer_by_token_hash(hash_token(token))
    if offer is None or offer["status"] == model.WITHDRAWN:
        return None
    return {"kind": "volunteer", "offer_id": offer["_id"]}


def knows_token(token: str, repo: OffersRepository) -> bool:
    """Whether the token is some volunteer's manage_token, withdrawn offers included."""
    return repo.manage_token_known(hash_token(token))


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
    """The volunteer or staff withdraw the offer; personal data is erased."""
    def withdraw() -> dict[str, Any]:
        offer = owned_offer(offer_id, caller, repo, staff_may=True)
        if offer["status"] == model.WITHDRAWN:
            return offer
        change = model.withdraw_offer(offer, now())
        return repo.offers.save(change.doc, change.events)
    return retrying(withdraw)


def list_offers(query: dict[str, Any], repo: OffersRepository) -> dict[str, Any]:
    """The staff listing, with contact details: one page of it."""
    return repo.find_offers(query)
