"""Sending approved payout batches to the provider, one intent at a time.

For each batch (design, "Money movements"):
1. claim it in a transaction of its own: a conditional UPDATE to SENDING from the status and
   update time just read, so of two senders only one wins; the audit entry with the batch's
   stored requestId commits with the claim;
2. call the provider with that requestId, no transaction open;
3. record the answer in a second transaction: the provider's status, or UNKNOWN when the call
   may have been applied without an answer, or SEND_FAILED when the provider refused it.

The batch request ID and every line ID were fixed when the draft was saved and are never made
again. Binance does not document that a repeated payout requestId is taken as the same request,
so a re-send is treated as able to pay twice and happens only when the provider has had every
chance to show the first one:

- a batch left SENDING by a sender that died, or UNKNOWN after a timeout, is looked up by its
  requestId first; a batch found there is recorded, never sent again;
- "not found" right after a timeout proves little (Binance may still be taking the first request
  in), so the same request goes again only once the last send is RESEND_AFTER old (far above the
  client's timeout) AND a second "not found" comes at least LOOKUP_SPACING after an earlier one;
  until then the batch stays UNKNOWN for the sync job to look up again;
- a SEND_FAILED batch (refused outright) is looked up once before it goes again: a refusal we
  misread must not become a second batch;
- a refusal saying the requestId is already taken means the batch exists: it is looked up.

Each step is in the audit log (payout.send_requested before every call that may create the
batch, payout.lookup_not_found for each empty look-up); those entries are what the rule reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import update
from sqlmodel import col, select

from data.models import AuditEntry, PayoutBatch, PayoutLine
from services.core import audit
from services.payouts import balances
from services.core import refusals
from services.core.access import Actor, can
from services.core.context import Services
from services.core.errors import NotFoundError
from services.payouts import states
from services.payouts.following import apply_result, audit_refusal_overturned, lock_batch
from services.payouts.terms import batch_provider
from services.providers.base import PayoutBatchResult, PayoutLineRequest
from services.providers.errors import (
    AuthenticationError,
    DuplicateRequestError,
    InsufficientBalanceError,
    InvalidRequestError,
    ProviderError,
    RateLimitError,
)
from services.providers.errors import NotFoundError as ProviderNotFound

# A claim older than this is taken to belong to a sender that died. Longer than any provider
# call can last (the client gives up well before), so a live sender is never overtaken.
LEASE = timedelta(minutes=5)
# Binance may need a while to show a batch it is still taking in; see the module docstring.
RESEND_AFTER = LEASE
LOOKUP_SPACING = timedelta(minutes=1)
WALLET = "FUNDING_WALLET"
SEND_REQUESTED = "payout.send_requested"
LOOKUP_NOT_FOUND = "payout.lookup_not_found"
# Entries that mark a moment at which the request may have reached the provider.
_SEND_MARKS = (SEND_REQUESTED, "payout.send_unknown", "payout.send_failed")

Progress = Callable[[int, int, "SendOutcome"], None]


@dataclass(frozen=True)
class SendOutcome:
    request_id: str
    before: str
    after: str
    message: str = ""

    @property
    def moved(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class _Claim:
    request_id: str
    previous: str
    currency: str
    batch_name: str
    lines: tuple[PayoutLineRequest, ...]


def may_send(actor: Actor | None) -> bool:
    return can(actor, "payout.approve") or can(actor, "payout.submit")


def _who(actor: Actor | None) -> Actor | str:
    return actor if actor is not None else audit.SYSTEM


def _claimable(batch: PayoutBatch, now: datetime) -> bool:
    if batch.status in states.SENDABLE or batch.status == states.UNKNOWN:
        return True
    updated = batch.updated_at if batch.updated_at.tzinfo else batch.updated_at.replace(
        tzinfo=now.tzinfo)
    return batch.status == states.SENDING and updated <= now - LEASE


def _claim(services: Services, actor: Actor | None, request_id: str) -> _Claim | None:
    """Take the batch for this sender, or None when it is not ours to send (any more)."""
    now = services.now()
    with services.uow() as uow:
        batch = uow.session.exec(
            select(PayoutBatch).where(PayoutBatch.request_id == request_id)
        ).first()
        if batch is None:
            raise NotFoundError(f"there is no payout batch {request_id}")
        if batch.approved_by_id is None or not _claimable(batch, now):
            return None
        previous = batch.status
        won = uow.session.exec(
            update(PayoutBatch)
            .where(col(PayoutBatch.id) == batch.id, col(PayoutBatch.status) == previous,
                   col(PayoutBatch.updated_at) == batch.updated_at)
            .values(status=states.SENDING, updated_at=now)
        )
        if won.rowcount != 1:
            return None
        lines = uow.session.exec(
            select(PayoutLine).where(PayoutLine.batch_id == batch.id)
            .order_by(col(PayoutLine.file_line))
        ).all()
        audit.record(uow, actor=_who(actor), action="payout.send_started",
                     target_type="payout_batch", target_id=request_id,
                     amount=batch.total_amount, currency=batch.currency,
                     idempotency_key=request_id, at=now,
                     detail={"previous": previous, "lines": len(lines)})
        uow.commit()
        return _Claim(
            request_id, previous, batch.currency, batch.batch_name or request_id,
            tuple(
                PayoutLineRequest(
                    merchant_line_id=line.merchant_send_id, receiver_type=line.receive_type,
                    receiver=line.receiver, amount=line.amount, wallet=WALLET,
                    remark=line.remark or None,
                )
                for line in lines
            ),
        )


def _record(services: Services, actor: Actor | None, request_id: str, *,
            result: PayoutBatchResult | None = None,
            error: ProviderError | None = None, unknown: bool = False,
            previous: str | None = None) -> SendOutcome:
    now = services.now()
    with services.uow() as uow:
        if result is not None:
            who = actor.username if actor else audit.SYSTEM
            change = apply_result(uow, result, now, actor=who)
            if previous == states.SEND_FAILED and change is not None and change.moved:
                batch = lock_batch(uow, request_id, now)
                assert batch is not None
                audit_refusal_overturned(uow, batch, who, now)
            uow.commit()
            before = change.before if change else states.SENDING
            after = change.after if change else states.SENDING
            return SendOutcome(request_id, before, after, "sent")
        assert error is not None
        batch = lock_batch(uow, request_id, now)
        if batch is None:
            raise NotFoundError(f"there is no payout batch {request_id}")
        before = batch.status
        if before != states.SENDING:
            # News (a webhook) already moved it on while the call was failing: keep that.
            uow.commit()
            return SendOutcome(request_id, before, before, str(error))
        unknown = unknown or error.outcome_unknown
        batch.status = states.UNKNOWN if unknown else states.SEND_FAILED
        batch.error_code = (error.code or type(error).__name__)[:16]
        reason = refusal_in_words(error, batch.currency)
        batch.error_message = reason[:512]
        uow.session.add(batch)
        audit.record(uow, actor=_who(actor),
                     action="payout.send_unknown" if unknown else "payout.send_failed",
                     target_type="payout_batch", target_id=request_id,
                     amount=batch.total_amount, currency=batch.currency,
                     idempotency_key=request_id, provider_code=error.code,
                     outcome="unknown" if unknown else "failed", at=now,
                     detail={"error": str(error), "reason": reason})
        uow.commit()
        return SendOutcome(request_id, before, batch.status, reason)


def refusal_in_words(error: ProviderError, currency: str) -> str:
    """Why the provider did not take a batch, for the person who pressed send."""
    if isinstance(error, InsufficientBalanceError):
        return (f"the wallet did not hold enough {currency} for this batch; top it up and "
                "send again")
    if error.outcome_unknown:
        return ("no clear answer came back; PayDesk looks the batch up by its request id "
                "before anything is sent again")
    if isinstance(error, RateLimitError):
        return "the provider asked PayDesk to slow down; send again in a minute"
    if isinstance(error, AuthenticationError):
        return "the provider did not accept PayDesk's credentials; ask an admin to check them"
    if isinstance(error, InvalidRequestError):
        return f"the provider refused the batch as written: {error.message}"
    return f"the provider refused the batch: {error.message}"


def _lookup(services: Services, request_id: str) -> PayoutBatchResult | None:
    try:
        return services.provider_for(batch_provider(services, request_id)).get_payout_batch(
            batch_request_id=request_id)
    except ProviderNotFound:
        return None


def _aware(value: datetime, now: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=now.tzinfo)


def _may_resend(services: Services, request_id: str, now: datetime) -> bool:
    """True when an in-doubt batch that the provider does not show may go out again."""
    with services.uow() as uow:
        entries = uow.session.exec(
            select(AuditEntry.action, AuditEntry.at)
            .where(AuditEntry.target_type == "payout_batch", AuditEntry.target_id == request_id,
                   col(AuditEntry.action).in_([*_SEND_MARKS, LOOKUP_NOT_FOUND]))
        ).all()
    sends = [_aware(at, now) for action, at in entries if action in _SEND_MARKS]
    last_send = max(sends) if sends else None
    if last_send is not None and now - last_send < RESEND_AFTER:
        return False
    # Only look-ups made after the last send count: earlier ones were about an earlier attempt.
    empty = [_aware(at, now) for action, at in entries if action == LOOKUP_NOT_FOUND
             and (last_send is None or _aware(at, now) > last_send)]
    return any(at <= now - LOOKUP_SPACING for at in empty)


def _put_back(services: Services, actor: Actor | None, request_id: str, status: str, *,
              action: str, outcome: str, message: str, code: str | None = None) -> SendOutcome:
    """End a claim that sent nothing: the batch returns to `status` for a later pass."""
    now = services.now()
    with services.uow() as uow:
        batch = lock_batch(uow, request_id, now)
        if batch is None:
            raise NotFoundError(f"there is no payout batch {request_id}")
        before = batch.status
        if before == states.SENDING:
            batch.status = status
            if code is not None:
                batch.error_code = code[:16]
                batch.error_message = message[:512]
            uow.session.add(batch)
        audit.record(uow, actor=_who(actor), action=action, target_type="payout_batch",
                     target_id=request_id, amount=batch.total_amount, currency=batch.currency,
                     idempotency_key=request_id, provider_code=code, outcome=outcome, at=now,
                     detail={"message": message})
        uow.commit()
        return SendOutcome(request_id, before, batch.status, message)


def _mark_sending(services: Services, actor: Actor | None, request_id: str, *,
                  after_empty_lookup: bool) -> None:
    """Commit, before the call, that the request is about to leave (the re-send rule reads it)."""
    now = services.now()
    with services.uow() as uow:
        if after_empty_lookup:
            audit.record(uow, actor=_who(actor), action=LOOKUP_NOT_FOUND,
                         target_type="payout_batch", target_id=request_id,
                         idempotency_key=request_id, outcome="not_found", at=now)
        audit.record(uow, actor=_who(actor), action=SEND_REQUESTED, target_type="payout_batch",
                     target_id=request_id, idempotency_key=request_id, at=now)
        uow.commit()


def _require_sender(services: Services, actor: Actor | None, target: str) -> None:
    # None is the sync worker resuming a send a person already started.
    if actor is not None and not may_send(actor):
        refusals.refuse(
            services, actor, "payout.send",
            f"{actor.username} ({actor.role}) may not send payouts; an operator or approver may",
            target_type="payout_batch", target_id=target,
        )


def send_batch(services: Services, actor: Actor | None, request_id: str) -> SendOutcome:
    """Send one approved batch; `actor` None is the sync worker (never a person)."""
    _require_sender(services, actor, request_id)
    """Send (or resolve) one approved batch under its stored requestId."""
    owner = batch_provider(services, request_id)
    # Refused in words before the batch is claimed when its provider makes no payouts.
    services.require(owner, "payouts")
    claim = _claim(services, actor, request_id)
    if claim is None:
        with services.uow() as uow:
            status = uow.session.exec(
                select(PayoutBatch.status).where(PayoutBatch.request_id == request_id)
            ).one()
        return SendOutcome(request_id, status, status, "not sendable now")
    looked_up = claim.previous in states.IN_FLIGHT or claim.previous == states.SEND_FAILED
    if looked_up:
        back = states.SEND_FAILED if claim.previous == states.SEND_FAILED else states.UNKNOWN
        try:
            found = _lookup(services, request_id)
        except ProviderError as error:
            # A failed look-up says nothing about the batch: it keeps the state it had.
            return _put_back(services, actor, request_id, back, action="payout.lookup_failed",
                             outcome="unknown", message=f"look-up failed: {error}",
                             code=error.code or type(error).__name__)
        if found is not None:
            return _record(services, actor, request_id, result=found, previous=claim.previous)
        if back == states.UNKNOWN and not _may_resend(services, request_id, services.now()):
            return _put_back(services, actor, request_id, states.UNKNOWN,
                             action=LOOKUP_NOT_FOUND, outcome="not_found",
                             message="not at the provider yet; looked up again later before "
                                     "anything is sent again")
    _mark_sending(services, actor, request_id, after_empty_lookup=looked_up)
    try:
        result = services.provider_for(owner).create_payout_batch(
            batch_request_id=request_id, batch_name=claim.batch_name,
            currency=claim.currency, lines=claim.lines,
        )
    except DuplicateRequestError as error:
        # The requestId is taken at the provider: our batch exists there. Look it up.
        outcome = _record(services, actor, request_id, error=error, unknown=True)
        return _resolve_once(services, actor, request_id) or outcome
    except ProviderError as error:
        outcome = _record(services, actor, request_id, error=error)
        if outcome.after == states.UNKNOWN:
            # Usually the request did arrive: one look-up by the same id settles it at once.
            return _resolve_once(services, actor, request_id) or outcome
        return outcome
    return _record(services, actor, request_id, result=result)


def _resolve_once(services: Services, actor: Actor | None, request_id: str) -> SendOutcome | None:
    try:
        found = _lookup(services, request_id)
    except ProviderError:
        return None
    if found is None:
        return None
    return _record(services, actor, request_id, result=found)


def _needs(services: Services, upload_ref: str, *, approved_only: bool = True
           ) -> dict[str, list[tuple[str, Decimal]]]:
    """(request id, total) per currency of the batches whose money has not left yet."""
    statement = select(PayoutBatch.request_id, PayoutBatch.currency, PayoutBatch.total_amount)
    if approved_only:
        statement = statement.where(col(PayoutBatch.status).in_(states.SENDABLE),
                                    col(PayoutBatch.approved_by_id).is_not(None))
    else:
        statement = statement.where(
            col(PayoutBatch.status).in_([*states.SENDABLE, states.PENDING_APPROVAL]))
    with services.uow() as uow:
        rows = uow.session.exec(
            statement.where(PayoutBatch.upload_ref == upload_ref)
            .order_by(col(PayoutBatch.request_id))
        ).all()
    needs: dict[str, list[tuple[str, Decimal]]] = {}
    for request_id, currency, total in rows:
        needs.setdefault(currency, []).append((request_id, total))
    return needs


def _check(services: Services, needs: dict[str, list[tuple[str, Decimal]]]
           ) -> balances.FundingCheck:
    return balances.check_funding(
        services, {c: sum((t for _, t in items), Decimal(0)) for c, items in needs.items()})


def funding_check(services: Services, upload_ref: str, *, approved_only: bool = True
                  ) -> balances.FundingCheck:
    """The wallet now against the upload's batches still to go out: the approved ones (what
    send checks first), or with approved_only=False also those awaiting approval."""
    return _check(services, _needs(services, upload_ref, approved_only=approved_only))


def _refuse_unfunded(services: Services, actor: Actor, upload_ref: str) -> None:
    """Nothing leaves while the wallet cannot fund a batch: a short batch would end with its
    lines failed one by one, or be refused whole, after the approver meant it to be paid."""
    needs = _needs(services, upload_ref)
    if not needs:
        return
    check = _check(services, needs)
    if check.can_fund:
        return
    short = {r.currency for r in check.short} if check.readable else set(needs)
    named = ", ".join(request_id for currency in sorted(short) for request_id, _ in needs[currency])
    message = (f"nothing was sent: {check.sentence()}. Batches waiting for funds: {named}. "
               "Top up the wallet, refresh the balance and send again.")
    now = services.now()
    with services.uow() as uow:
        audit.record(uow, actor=actor, action="payout.send_blocked", target_type="payout_upload",
                     target_id=upload_ref, idempotency_key=upload_ref, outcome="refused", at=now,
                     detail={"reason": check.sentence(), "batches": named.split(", "),
                             "balance_read_at": check.reading.read_at.isoformat()})
        uow.commit()
    raise balances.FundingShortError(message, check)


def upload_batches_to_send(services: Services, upload_ref: str) -> list[str]:
    with services.uow() as uow:
        return list(uow.session.exec(
            select(PayoutBatch.request_id)
            .where(PayoutBatch.upload_ref == upload_ref,
                   col(PayoutBatch.status).in_([*states.SENDABLE, *states.IN_FLIGHT]),
                   col(PayoutBatch.approved_by_id).is_not(None))
            .order_by(col(PayoutBatch.request_id))
        ).all())


def send_upload(services: Services, actor: Actor, upload_ref: str, *,
                progress: Progress | None = None) -> list[SendOutcome]:
    """Send every approved batch of an upload that has not gone out yet (also: resume).

    Raises FundingShortError, before anything is sent, while the wallet cannot fund a batch
    that has not left yet (or its balance cannot be read).
    """
    _require_sender(services, actor, upload_ref)
    _refuse_unfunded(services, actor, upload_ref)
    request_ids = upload_batches_to_send(services, upload_ref)
    outcomes = []
    for done, request_id in enumerate(request_ids, start=1):
        outcome = send_batch(services, actor, request_id)
        outcomes.append(outcome)
        if progress is not None:
            progress(done, len(request_ids), outcome)
    return outcomes
