"""Direct debits against signed mandates, and the pre-debit notices periodic contracts need.

A debit is refused, with the exact reason, unless: the contract is SIGNED and has its contractId;
the currency is USDT or USDC; the amount is positive, has at most 8 decimals and is within the
contract's single upper limit; no other debit on the contract is still open; and, for periodic
contracts, an unused pre-debit notice went out 2 to 5 days ago for at least this amount (the day
after a notice is Binance's 24-hour freeze). All of it is checked under the mandate's row lock in
the transaction that writes the intent, so two people debiting at once cannot both pass.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from data.models import DebitNotice, DirectDebit, Mandate
from services.core import audit
from services.core.access import Actor
from services.core.context import Services
from services.core.errors import ConflictError, InputError, LimitExceededError, NotFoundError
from services.mandates.events import (
    D_PENDING,
    D_UNKNOWN,
    DEBIT_OPEN,
    FAIL,
    PROCESSING,
    SIGNED,
    SUCCESS,
    change_outcome,
    debit_transition,
)
from services.core.money import exact_amount, plain_amount
from services.providers.base import DebitState
from services.providers.capabilities import Capabilities
from services.providers.errors import ProviderError
from services.core.refusals import require
from services.core.row_locks import lock_row



def debit_currency_refusal(caps: Capabilities, currency: str) -> str | None:
    """Why a contract in ``currency`` cannot be debited at the provider (None: it can). The
    currencies are the provider's (Capabilities.debit_currencies: Binance Pay USDT and USDC)."""
    if currency in caps.debit_currencies:
        return None
    listed = ordered_currencies(caps.debit_currencies)
    if not listed:
        return f"{caps.title} debits no currency"
    shown = (" or ".join(listed) if len(listed) <= 2
             else ", ".join(listed[:8]) + (", ..." if len(listed) > 8 else ""))
    return f"{caps.title} debits contracts in {shown} only, not {currency}"


def ordered_currencies(currencies: frozenset[str]) -> tuple[str, ...]:
    """Stablecoins and the common fiat first, then the rest alphabetically."""
    preferred = [c for c in ("USDT", "USDC", "EUR", "USD") if c in currencies]
    return tuple(preferred + sorted(currencies - set(preferred)))


def mandate_provider(services: Services, mandate: Mandate) -> Capabilities:
    """The capabilities of the provider that owns a mandate, when it offers recurring payments;
    NotOfferedError in words otherwise."""
    return services.require(mandate.provider, "recurring")
FREEZE = timedelta(hours=24)
NOTICE_MIN_AGE = timedelta(days=2)
NOTICE_MAX_AGE = timedelta(days=5)
PRODUCT_MAX = 256
TOKEN_MAX = 64
_FROM_PROVIDER = {DebitState.PENDING: PROCESSING, DebitState.PROCESSING: PROCESSING,
                  DebitState.SUCCEEDED: SUCCESS, DebitState.FAILED: FAIL}


@dataclass(frozen=True)
class DebitOutcome:
    merchant_request_id: str
    status: str
    amount: Decimal
    currency: str
    message: str


#: Statuses as words in messages people read (the codes stay in the data and the audit log).
_STATUS_WORDS = {"INITIAL": "awaiting signature", "UNKNOWN": "unconfirmed",
                 "UNKNOWN_CONTRACT": "unconfirmed", "CREATING": "being created"}


def _status_words(status: str) -> str:
    return _STATUS_WORDS.get(status) or status.replace("_", " ").lower()


def _when(moment: datetime, services: Services) -> str:
    return moment.astimezone(services.settings.zone).strftime("%Y-%m-%d %H:%M %Z")


def new_request_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:30]  # alphanumeric, 32 characters: Binance's maximum


def _mandate(services: Services, mandate_ref: int | str) -> int:
    with services.uow() as uow:
        ref = str(mandate_ref).strip()
        conditions = [Mandate.merchant_contract_code == ref, Mandate.contract_id == ref]
        statement = select(Mandate.id)
        if ref.isdigit() and int(ref) < 2**31:
            statement = statement.where(col(Mandate.id) == int(ref))
            found = uow.session.exec(statement).first()
            if found is not None:
                return found
        for condition in conditions:
            found = uow.session.exec(select(Mandate.id).where(condition)).first()
            if found is not None:
                return found
    raise NotFoundError(f"no mandate with this id, contract code or provider contract ID '{mandate_ref}'")


def check_debit(services: Services, uow, mandate: Mandate, amount: Decimal,
                now: datetime) -> DebitNotice | None:
    """Raise the exact refusal, or return the notice the debit will use (periodic only)."""
    code = mandate.merchant_contract_code
    if mandate.status != SIGNED or not mandate.contract_id:
        since = f" since {_when(mandate.terminated_at, services)}" if mandate.terminated_at else ""
        raise ConflictError(f"contract {code} is {_status_words(mandate.status)}{since}; only a "
                            "signed contract can be debited")
    refusal = debit_currency_refusal(mandate_provider(services, mandate), mandate.currency)
    if refusal is not None:
        raise ConflictError(f"contract {code}: {refusal}")
    if amount > mandate.single_upper_limit:
        raise LimitExceededError(
            f"{plain_amount(amount)} {mandate.currency} is above the contract's single upper limit of "
            f"{plain_amount(mandate.single_upper_limit)} {mandate.currency}")
    open_debit = uow.session.exec(select(DirectDebit).where(
        DirectDebit.mandate_id == mandate.id, col(DirectDebit.status).in_(DEBIT_OPEN))).first()
    if open_debit is not None:
        raise ConflictError(
            f"debit {open_debit.merchant_request_id} of {plain_amount(open_debit.amount)} "
            f"{open_debit.currency} on contract {code} is still "
            f"{_status_words(open_debit.status)}; wait for its result before debiting again")
    if not mandate.periodic:
        return None
    notice = uow.session.exec(
        select(DebitNotice).where(DebitNotice.mandate_id == mandate.id,
                                  DebitNotice.status == "SENT",
                                  col(DebitNotice.id).not_in(
                                      select(DirectDebit.notice_id).where(
                                          col(DirectDebit.notice_id).is_not(None),
                                          DirectDebit.status != FAIL)))
        .order_by(col(DebitNotice.notified_at).desc())).first()
    if notice is None or notice.notified_at is None:
        raise ConflictError(f"contract {code} is periodic: send a pre-debit notice 2 to 5 days "
                            "before debiting; there is no unused notice")
    sent = notice.notified_at
    if now < sent + FREEZE:
        raise ConflictError(
            f"contract {code} is in the 24-hour freeze after the pre-debit notice of "
            f"{_when(sent, services)}; debits are possible from {_when(sent + FREEZE, services)}")
    if now < sent + NOTICE_MIN_AGE:
        raise ConflictError(
            f"the pre-debit notice of {_when(sent, services)} must go out at least 2 days "
            f"before the debit; debit from {_when(sent + NOTICE_MIN_AGE, services)}")
    if now > sent + NOTICE_MAX_AGE:
        raise ConflictError(
            f"the pre-debit notice of {_when(sent, services)} is more than 5 days old; send a "
            "new notice")
    if amount > notice.estimated_amount:
        raise LimitExceededError(
            f"the pre-debit notice announced {plain_amount(notice.estimated_amount)} "
            f"{notice.currency}; debit at most that, or send a new notice")
    return notice


@dataclass(frozen=True)
class DebitPlan:
    """What debit-now would do, for the confirmation dialog; nothing is written."""

    merchant_contract_code: str
    amount: Decimal
    currency: str
    product_name: str
    single_upper_limit: Decimal
    notice: str | None


def plan_debit(services: Services, actor: Actor, *, mandate_ref: int | str,
               amount: Decimal | str, product_name: str) -> DebitPlan:
    """The same checks as `debit_now`, without the lock (debit_now re-checks under it)."""
    require(services, actor, "debit.request")
    product = (product_name or "").strip()
    if not product or len(product) > PRODUCT_MAX:
        raise InputError(f"name what the debit is for (1 to {PRODUCT_MAX} characters)",
                         field="product_name")
    mandate_id = _mandate(services, mandate_ref)
    with services.uow() as uow:
        mandate = uow.session.get(Mandate, mandate_id)
        assert mandate is not None
        # Decimals of the contract's currency (8 for USDT and USDC, 2 for EUR).
        value = exact_amount(amount, mandate.currency)
        if value <= 0:
            raise InputError("the debit amount must be greater than zero", field="amount")
        notice = check_debit(services, uow, mandate, value, services.now())
        return DebitPlan(mandate.merchant_contract_code, value, mandate.currency, product,
                         mandate.single_upper_limit,
                         notice.merchant_request_id if notice else None)


def _already_requested(uow, token: str, mandate_id: int, value: Decimal) -> DebitOutcome | None:
    """The debit an earlier submission with `token` created, if any; the same token for a
    different debit is refused rather than silently answered with the other one."""
    debit = uow.session.exec(select(DirectDebit).where(DirectDebit.request_token == token)
                             .execution_options(populate_existing=True)).first()
    if debit is None:
        return None
    if debit.mandate_id != mandate_id or debit.amount != value:
        raise ConflictError(f"request token {token} was already used for debit "
                            f"{debit.merchant_request_id} of {plain_amount(debit.amount)} "
                            f"{debit.currency}; a new debit needs a new token")
    return DebitOutcome(debit.merchant_request_id, debit.status, debit.amount, debit.currency,
                        f"already requested as {debit.merchant_request_id} ({debit.status}); "
                        "not sent again")


def debit_now(services: Services, actor: Actor, *, mandate_ref: int | str,
              amount: Decimal | str, product_name: str,
              request_token: str | None = None) -> DebitOutcome:
    """`request_token`: the caller's key for this submission (a form's id, a file line); a
    repeated token answers with the debit it created instead of debiting again."""
    require(services, actor, "debit.request")
    product = (product_name or "").strip()
    if not product or len(product) > PRODUCT_MAX:
        raise InputError(f"name what the debit is for (1 to {PRODUCT_MAX} characters)",
                         field="product_name")
    token = (request_token or "").strip() or None
    if token is not None and len(token) > TOKEN_MAX:
        raise InputError(f"a request token is at most {TOKEN_MAX} characters",
                         field="request_token")
    mandate_id = _mandate(services, mandate_ref)
    now = services.now()
    try:
        with services.uow() as uow:
            lock_row(uow, Mandate, mandate_id, now)
            mandate = uow.session.exec(select(Mandate).where(Mandate.id == mandate_id)
                                       .execution_options(populate_existing=True)).one()
            currency = mandate.currency
            value = exact_amount(amount, currency)  # the decimals of the contract's currency
            if value <= 0:
                raise InputError("the debit amount must be greater than zero", field="amount")
            # Before the checks: the earlier debit itself would otherwise be "still open".
            earlier = _already_requested(uow, token, mandate_id, value) if token else None
            if earlier is not None:
                return earlier
            notice = check_debit(services, uow, mandate, value, now)
            debit = DirectDebit(
                mandate_id=mandate_id, merchant_request_id=new_request_id("DD"), amount=value,
                currency=mandate.currency, product_name=product, status=D_PENDING,
                notice_id=notice.id if notice else None, request_token=token,
                requested_by_id=actor.user_id, created_at=now, updated_at=now)
            uow.session.add(debit)
            audit.record(uow, actor=actor, action="debit.requested", target_type="debit",
                         target_id=debit.merchant_request_id, amount=value,
                         currency=mandate.currency, idempotency_key=debit.merchant_request_id,
                         detail={"mandate": mandate.merchant_contract_code, "product": product,
                                 "notice": notice.merchant_request_id if notice else None,
                                 "request_token": token}, at=now)
            uow.commit()
            request_id = debit.merchant_request_id
    except IntegrityError:
        # The same token submitted at once on another contract: the mandate locks differ, the
        # unique token column is what serialises them.
        if token is None:
            raise
        with services.uow() as uow:
            earlier = _already_requested(uow, token, mandate_id, exact_amount(amount, currency))
        if earlier is None:
            raise
        return earlier
    return send_debit(services, request_id, actor=actor)


def send_debit(services: Services, merchant_request_id: str, *,
               actor: Actor | None = None) -> DebitOutcome:
    """Call the provider for a PENDING or UNKNOWN debit with its stored id, then record.
    `actor` None is the sync worker."""
    if actor is not None:
        require(services, actor, "debit.request")
    with services.uow() as uow:
        debit = uow.session.exec(select(DirectDebit).where(
            DirectDebit.merchant_request_id == merchant_request_id)).one()
        mandate = uow.session.get(Mandate, debit.mandate_id)
        notice = uow.session.get(DebitNotice, debit.notice_id) if debit.notice_id else None
        uow.session.expunge_all()
    assert mandate is not None
    if debit.status not in (D_PENDING, D_UNKNOWN):
        return DebitOutcome(merchant_request_id, debit.status, debit.amount, debit.currency,
                            f"debit is {debit.status}; nothing sent")
    who = actor or audit.SYSTEM
    try:
        result = services.provider_for(mandate.provider).debit(
            merchant_request_id=merchant_request_id, provider_contract_id=mandate.contract_id or "",
            amount=debit.amount, currency=debit.currency, product_name=debit.product_name,
            notice_id=notice.provider_notice_id if notice else None)
    except ProviderError as error:
        to_status = D_UNKNOWN if error.outcome_unknown else FAIL
        with services.uow() as uow:
            change = debit_transition(uow, merchant_request_id, to_status, services.now(),
                                      error_code=error.code, error_message=str(error))
            audit.record(uow, actor=who, action="debit.sent", target_type="debit",
                         target_id=merchant_request_id, amount=debit.amount,
                         currency=debit.currency, idempotency_key=merchant_request_id,
                         provider_code=error.code, outcome=change_outcome(change),
                         detail=str(error), at=services.now())
            uow.commit()
        status = change[1] if change else debit.status
        message = (f"no answer from the provider: the debit is UNKNOWN and will be checked with "
                   f"the same id ({merchant_request_id})" if status == D_UNKNOWN
                   else f"the provider refused the debit: {error}")
        return DebitOutcome(merchant_request_id, status, debit.amount, debit.currency, message)
    with services.uow() as uow:
        change = debit_transition(uow, merchant_request_id,
                                  _FROM_PROVIDER.get(result.state, PROCESSING), services.now(),
                                  provider_order_id=result.provider_order_id,
                                  provider_pay_id=result.provider_debit_id,
                                  provider_status=result.provider_status)
        audit.record(uow, actor=who, action="debit.sent", target_type="debit",
                     target_id=merchant_request_id, amount=debit.amount, currency=debit.currency,
                     idempotency_key=merchant_request_id, provider_code=result.provider_status,
                     outcome=change_outcome(change), at=services.now())
        uow.commit()
    status = change[1] if change else debit.status
    return DebitOutcome(merchant_request_id, status, debit.amount, debit.currency,
                        f"debit of {plain_amount(debit.amount)} {debit.currency} accepted ({status})")


def send_notice(services: Services, actor: Actor, *, mandate_ref: int | str,
                estimated_amount: Decimal | str) -> DebitNotice:
    """Pre-debit notice for a periodic contract: intent first, then `pay/notify`."""
    require(services, actor, "debit.request")
    mandate_id = _mandate(services, mandate_ref)
    now = services.now()
    with services.uow() as uow:
        lock_row(uow, Mandate, mandate_id, now)
        mandate = uow.session.exec(select(Mandate).where(Mandate.id == mandate_id)
                                   .execution_options(populate_existing=True)).one()
        value = exact_amount(estimated_amount, mandate.currency)
        if mandate.status != SIGNED or not mandate.contract_id:
            raise ConflictError(f"contract {mandate.merchant_contract_code} is "
                                f"{_status_words(mandate.status)}; notices are for signed "
                                "contracts only")
        if not mandate.periodic:
            raise ConflictError("pre-debit notices are for periodic contracts only")
        if mandate.currency != "USDT":
            raise ConflictError(f"Binance Pay takes pre-debit notices in USDT only; contract "
                                f"{mandate.merchant_contract_code} is in {mandate.currency}")
        if value <= 0 or value > mandate.single_upper_limit:
            raise LimitExceededError(
                f"the notice amount must be above 0 and at most the single upper limit "
                f"{plain_amount(mandate.single_upper_limit)} {mandate.currency}")
        notice = DebitNotice(mandate_id=mandate_id, merchant_request_id=new_request_id("DN"),
                             estimated_amount=value, currency=mandate.currency, status="PENDING",
                             requested_by_id=actor.user_id, created_at=now)
        uow.session.add(notice)
        audit.record(uow, actor=actor, action="debit.notice", target_type="mandate",
                     target_id=mandate.merchant_contract_code, amount=value,
                     currency=mandate.currency, idempotency_key=notice.merchant_request_id,
                     at=now)
        uow.commit()
        contract_id, currency, notice_id = mandate.contract_id, mandate.currency, notice.id
        request_id = notice.merchant_request_id
    assert notice_id is not None and contract_id is not None
    return _notify(services, mandate_id, notice_id, request_id, contract_id, value, currency,
                   actor=actor)


def _provider_of(services: Services, mandate_id: int) -> str | None:
    with services.uow() as uow:
        mandate = uow.session.get(Mandate, mandate_id)
        return mandate.provider if mandate is not None else None


def _notify(services: Services, mandate_id: int, notice_id: int, request_id: str,
            contract_id: str, value: Decimal, currency: str, *,
            actor: Actor | None = None) -> DebitNotice:
    status, provider_id, error_text, code = "SENT", None, None, "000000"
    try:
        answer = services.provider_for(_provider_of(services, mandate_id)).notify_debit(
            merchant_request_id=request_id, provider_contract_id=contract_id,
            estimated_amount=value, currency=currency)
        provider_id = answer.provider_notice_id
    except ProviderError as error:
        status, error_text = ("UNKNOWN" if error.outcome_unknown else "FAIL"), str(error)
        code = error.code
    now = services.now()
    with services.uow() as uow:
        # Under the mandate lock, like every debit write: the sync job may be recording the same
        # notice's repeat at this moment.
        lock_row(uow, Mandate, mandate_id, now)
        row = uow.session.exec(select(DebitNotice).where(DebitNotice.id == notice_id)
                               .execution_options(populate_existing=True)).one()
        before = row.status
        if row.status not in ("SENT", "FAIL"):  # a notice that went out stays out
            row.status, row.provider_notice_id, row.error_message = (status, provider_id,
                                                                     error_text)
            # Our clock, not the provider's: the freeze and the 2-5 day rule are judged by it.
            row.notified_at = now if status == "SENT" else None
            uow.session.add(row)
        audit.record(uow, actor=actor or audit.SYSTEM, action="debit.notice.sent",
                     target_type="notice", target_id=request_id, amount=value,
                     currency=currency, idempotency_key=request_id, provider_code=code,
                     outcome=row.status,
                     detail={"provider_notice_id": provider_id, "error": error_text,
                             "before": before}, at=now)
        uow.commit()
        uow.session.expunge(row)
    return row


def resend_notice(services: Services, notice_id: int) -> str:
    """Sync: a notice in doubt is repeated under its own merchantRequestId (the provider
    answers a repeat with the first answer), so it is never announced twice."""
    with services.uow() as uow:
        notice = uow.session.get(DebitNotice, notice_id)
        if notice is None or notice.status not in ("PENDING", "UNKNOWN"):
            return "settled"
        mandate = uow.session.get(Mandate, notice.mandate_id)
        assert mandate is not None
        args = (notice.merchant_request_id, mandate.contract_id or "", notice.estimated_amount,
                notice.currency)
        mandate_id = mandate.id
    assert mandate_id is not None
    return _notify(services, mandate_id, notice_id, *args).status.lower()
