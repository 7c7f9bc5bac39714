"""Direct Debit contracts (mandates): create one for a customer, follow it until signed or
expired, terminate it, sync its status; plus the mandate and debit lists with their exports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import col, select

from data.models import DirectDebit, Mandate
from services.core import audit
from services.core.access import Actor, can
from services.core import cells
from services.core.context import Services
from services.mandates.debits import _mandate, debit_currency_refusal, ordered_currencies
from services.core.errors import ConflictError, InputError
from services.mandates.events import (
    CREATING,
    EXPIRED,
    INITIAL,
    REFUSED,
    SIGNED,
    TERMINATED,
    UNKNOWN_CONTRACT,
    apply_contract,
    contract_transition,
)
from services.core.money import positive_amount
from services.providers.base import Contract
from services.providers.capabilities import Capabilities
from services.providers.errors import SandboxRefusal
from services.providers.errors import DuplicateRequestError, ProviderError
from services.providers.errors import NotFoundError as ProviderNotFound
from services.core.refusals import require
from services.core.search_text import like_pattern, search_text
from services.core.row_locks import lock_row

STATUSES = (INITIAL, SIGNED, TERMINATED, EXPIRED, CREATING, UNKNOWN_CONTRACT, REFUSED)
SCENARIOS = ("Membership", "Digital_Media", "Utility", "Repayment", "Investment", "Lease",
             "Car_Parking", "Mobile_Communication", "General_Ecommerce_Platform", "Others")
TERMINATION_WAYS = {"0": "by the customer", "1": "expired", "2": "by Binance operations",
                    "3": "by the merchant (API)"}
SERVICE_MAX, NOTES_MAX = 32, 256
#: Contract statuses as words in messages people read.
_STATUS_WORDS = {INITIAL: "awaiting signature", UNKNOWN_CONTRACT: "unconfirmed",
                 CREATING: "being created", REFUSED: "refused", TERMINATED: "terminated",
                 EXPIRED: "expired", SIGNED: "signed"}


@dataclass(frozen=True)
class ContractRequest:
    customer_email: str
    service_name: str
    single_upper_limit: Decimal | str
    currency: str
    scenario_code: str = "Membership"
    periodic: bool = False
    cycle_type: str | None = None  # MONTH | DAY
    cycle_value: int | None = None
    first_deduct_at: datetime | None = None
    #: An enabled provider that offers recurring payments; the default provider for None.
    provider: str | None = None


def contract_currencies(services: Services, provider: str | None = None) -> tuple[str, ...]:
    """The currencies a new contract may be in at ``provider`` (the default for None), from its
    capabilities; NotOfferedError in words when it has no recurring payments."""
    return ordered_currencies(services.require(provider, "recurring").debit_currencies)


def _check(request: ContractRequest, now: datetime, caps: Capabilities) -> Decimal:
    email = request.customer_email.strip()
    if "@" not in email or len(email) > 254:
        raise InputError("enter the customer's email address", field="customer_email")
    name = request.service_name.strip()
    if not name or len(name) > SERVICE_MAX:
        raise InputError(f"the service name is 1 to {SERVICE_MAX} characters",
                         field="service_name")
    refusal = debit_currency_refusal(caps, request.currency)
    if refusal is not None:
        raise InputError(refusal, field="currency")
    if request.scenario_code not in SCENARIOS:
        raise InputError(f"choose a scenario: {', '.join(SCENARIOS)}", field="scenario_code")
    limit = positive_amount(request.single_upper_limit, request.currency,
                            field="single_upper_limit")
    if request.periodic:
        if request.cycle_type not in ("MONTH", "DAY") or request.cycle_value is None:
            raise InputError("a periodic contract needs a cycle: monthly or daily, and a number",
                             field="cycle_type")
        if request.cycle_type == "MONTH" and not 1 <= request.cycle_value <= 24:
            raise InputError("a monthly cycle is 1 to 24 months", field="cycle_value")
        if request.cycle_type == "DAY" and request.cycle_value <= 7:
            raise InputError("a daily cycle must be more than 7 days", field="cycle_value")
        first = request.first_deduct_at
        if first is None or first <= now:
            raise InputError("the first debit must be in the future", field="first_deduct_at")
        if request.cycle_type == "MONTH" and first.astimezone(now.tzinfo).day > 28:
            raise InputError("a monthly first debit must fall on the 1st to the 28th (UTC)",
                             field="first_deduct_at")
    return limit


def create_contract(services: Services, actor: Actor, request: ContractRequest) -> Mandate:
    """Intent (CREATING) first, then the provider; the answer brings the QR code and deeplink."""
    require(services, actor, "mandate.create")
    # Refused in words when the chosen provider has no recurring payments (Juicyway).
    caps = services.require(request.provider, "recurring")
    now = services.now()
    limit = _check(request, now, caps)
    with services.uow() as uow:
        mandate = Mandate(
            merchant_contract_code="MC" + uuid.uuid4().hex[:30], provider=caps.provider,
            customer_email=request.customer_email.strip(),
            service_name=request.service_name.strip(), scenario_code=request.scenario_code,
            single_upper_limit=limit, currency=request.currency, periodic=request.periodic,
            cycle_type=request.cycle_type if request.periodic else None,
            cycle_value=request.cycle_value if request.periodic else None,
            first_deduct_at=request.first_deduct_at if request.periodic else None,
            next_debit_at=request.first_deduct_at if request.periodic else None,
            status=CREATING, created_by_id=actor.user_id, created_at=now, updated_at=now)
        uow.session.add(mandate)
        uow.session.flush()
        audit.record(uow, actor=actor, action="mandate.create", target_type="mandate",
                     target_id=mandate.merchant_contract_code, amount=limit,
                     currency=request.currency, idempotency_key=mandate.merchant_contract_code,
                     at=now, detail={"customer": mandate.customer_email,
                                     "service": mandate.service_name})
        uow.commit()
        mandate_id = mandate.id
    assert mandate_id is not None
    return _send_contract(services, mandate_id, actor)


def _locked(uow, mandate_id: int, now: datetime) -> Mandate:  # type: ignore[no-untyped-def]
    """The mandate under its row lock, re-read: a webhook committed meanwhile is not overwritten."""
    lock_row(uow, Mandate, mandate_id, now)
    return uow.session.exec(select(Mandate).where(Mandate.id == mandate_id)
                            .execution_options(populate_existing=True)).one()


def _send_contract(services: Services, mandate_id: int, actor: Actor | None) -> Mandate:
    with services.uow() as uow:
        m = uow.session.get(Mandate, mandate_id)
        assert m is not None
        uow.session.expunge(m)
    try:
        contract = services.provider_for(m.provider).create_contract(
            merchant_contract_code=m.merchant_contract_code, service_name=m.service_name,
            single_limit=m.single_upper_limit, currency=m.currency,
            scenario_code=m.scenario_code or "Others", periodic=m.periodic,
            cycle_type=m.cycle_type, cycle_value=m.cycle_value,
            first_deduct_at=m.first_deduct_at)
        error = None
    except DuplicateRequestError as exc:
        # The provider already holds this contract code (an earlier attempt got through):
        # not a refusal, so ask it where the contract stands.
        found = _query_contract(services, m.merchant_contract_code, None, m.provider)
        if found is not None:
            return _record_query(services, mandate_id, found, actor, m.merchant_contract_code)
        contract, error = None, exc
    except ProviderError as exc:
        contract, error = None, exc
    now = services.now()
    with services.uow() as uow:
        row = _locked(uow, mandate_id, now)
        if contract is not None:
            links = contract.links
            row.pre_contract_id = contract.pre_contract_id
            row.deeplink, row.qr_content = links.deeplink, links.qr_content
            row.checkout_url = links.checkout_url or links.qr_code_link
            row.expires_at = contract.signing_expires_at
            contract_transition(uow, row, INITIAL, now)
            outcome, code = INITIAL, "000000"
        else:
            assert error is not None
            # A duplicate the query could not find is still proof the create got through.
            doubt = error.outcome_unknown or isinstance(error, DuplicateRequestError)
            outcome = UNKNOWN_CONTRACT if doubt else REFUSED
            contract_transition(uow, row, outcome, now)
            code = error.code
        audit.record(uow, actor=actor or audit.SYSTEM, action="mandate.created",
                     target_type="mandate", target_id=row.merchant_contract_code,
                     idempotency_key=row.merchant_contract_code, provider_code=code,
                     outcome=row.status, detail=str(error) if error else None, at=now)
        uow.commit()
        uow.session.expunge(row)
    if error is not None and row.status == REFUSED:
        raise ConflictError(f"the provider refused the contract: {error}")
    return row


def _query_contract(services: Services, code: str, contract_id: str | None,
                    provider: str | None) -> Contract | None:
    """The owning provider's view of a contract; None when it does not know it."""
    try:
        return services.provider_for(provider).get_contract(
            merchant_contract_code=None if contract_id else code, provider_contract_id=contract_id)
    except ProviderNotFound:
        return None
    except ProviderError as error:
        raise ConflictError(f"could not ask the provider about {code}: {error}") from error


def _record_query(services: Services, mandate_id: int, contract: Contract | None,
                  actor: Actor | None, code: str) -> Mandate:
    now = services.now()
    with services.uow() as uow:
        row = _locked(uow, mandate_id, now)
        if contract is not None:
            before, after = apply_contract(uow, row, contract, now)
            if before != after:
                audit.record(uow, actor=actor or audit.SYSTEM, action="mandate.synced",
                             target_type="mandate", target_id=code, outcome=after,
                             provider_code=contract.provider_status, at=now)
        elif row.status == INITIAL and row.expires_at and row.expires_at < now:
            before, after = contract_transition(uow, row, EXPIRED, now, termination_way="1")
            if before != after:
                audit.record(uow, actor=actor or audit.SYSTEM, action="mandate.synced",
                             target_type="mandate", target_id=code, outcome=after,
                             detail="signing link expired; the provider no longer knows it",
                             at=now)
        uow.commit()
        uow.session.expunge(row)
    return row


def signing_links(services: Services, actor: Actor,
                  mandate_ref: int | str) -> tuple[str | None, str | None]:
    """(deeplink, QR content) the customer signs with."""
    require(services, actor, "orders.view")
    mandate_id = _mandate(services, mandate_ref)
    with services.uow() as uow:
        row = uow.session.get(Mandate, mandate_id)
        assert row is not None
        return row.deeplink, row.qr_content


def simulate_customer_signing(services: Services, actor: Actor, mandate_ref: int | str) -> Mandate:
    """Sandbox only: the customer signs in the Binance app; the contract is then asked about
    at once, as the page would, and comes back signed."""
    require(services, actor, "mandate.create")
    mandate_id = _mandate(services, mandate_ref)
    with services.uow() as uow:
        row = uow.session.get(Mandate, mandate_id)
        assert row is not None
        code, status, provider = row.merchant_contract_code, row.status, row.provider
    sandbox = services.sandbox_for(provider)
    if sandbox is None:
        raise ConflictError("customers can only be simulated in sandbox mode")
    if not hasattr(sandbox, "sign_contract"):
        raise ConflictError(f"the {services.providers.title(provider)} sandbox cannot simulate "
                            "a customer signing from this page yet")
    if status != "INITIAL":
        raise ConflictError(f"contract {code} is not waiting for a signature")
    try:
        sandbox.sign_contract(merchant_contract_code=code)
    except SandboxRefusal as error:
        raise ConflictError(f"the sandbox refused the signature: {error.message}") from None
    return sync_contract(services, actor, mandate_id)


def sync_contract(services: Services, actor: Actor | None, mandate_ref: int | str) -> Mandate:
    """Ask the provider where a contract stands. A creation in doubt is looked up by its
    contract code first and only sent again (same code) when the provider does not know
    it; sending is a create, so a person needs mandate.create for it (viewers only read)."""
    if actor is not None:
        require(services, actor, "orders.view")
    mandate_id = _mandate(services, mandate_ref)
    with services.uow() as uow:
        row = uow.session.get(Mandate, mandate_id)
        assert row is not None
        status, code, contract_id = row.status, row.merchant_contract_code, row.contract_id
        provider = row.provider
        uow.session.expunge(row)
    contract = _query_contract(services, code, contract_id, provider)
    if contract is None and status in (CREATING, UNKNOWN_CONTRACT):
        if actor is not None and not can(actor, "mandate.create"):
            return row
        return _send_contract(services, mandate_id, actor)
    return _record_query(services, mandate_id, contract, actor, code)


def terminate_contract(services: Services, actor: Actor, mandate_ref: int | str,
                       notes: str) -> Mandate:
    require(services, actor, "mandate.terminate")
    text = (notes or "").strip()
    if not text or len(text) > NOTES_MAX:
        raise InputError(f"say why the contract ends (1 to {NOTES_MAX} characters)",
                         field="notes")
    mandate_id = _mandate(services, mandate_ref)
    now = services.now()
    with services.uow() as uow:
        row = uow.session.get(Mandate, mandate_id)
        assert row is not None
        if row.status != SIGNED:
            raise ConflictError(f"contract {row.merchant_contract_code} is "
                                f"{_STATUS_WORDS.get(row.status, row.status.lower())}; only a "
                                "signed contract can be terminated")
        audit.record(uow, actor=actor, action="mandate.terminate", target_type="mandate",
                     target_id=row.merchant_contract_code, detail={"notes": text}, at=now)
        uow.commit()
        code, contract_id, provider = row.merchant_contract_code, row.contract_id, row.provider
    try:
        services.provider_for(provider).terminate_contract(
            merchant_contract_code=None if contract_id else code,
            provider_contract_id=contract_id, notes=text)
    except ProviderError as error:
        if not error.outcome_unknown:
            raise ConflictError(f"the provider refused to terminate {code}: {error}") from error
        return sync_contract(services, actor, mandate_id)
    now = services.now()
    with services.uow() as uow:
        row = _locked(uow, mandate_id, now)
        row.termination_notes = text
        before, after = contract_transition(uow, row, TERMINATED, now, termination_way="3")
        audit.record(uow, actor=actor, action="mandate.terminated", target_type="mandate",
                     target_id=code, provider_code="000000", outcome=after,
                     detail={"before": before, "notes": text}, at=now)
        uow.commit()
        uow.session.expunge(row)
    return row


# --- lists and exports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilter:
    status: tuple[str, ...] = ()
    currency: tuple[str, ...] = ()
    text: str = ""  # code, contract id, customer email or merchantRequestId
    date_from: date | None = None
    date_to: date | None = None


def _bounds(services: Services, f: ListFilter) -> tuple[datetime | None, datetime | None]:
    zone = services.settings.zone
    start = datetime.combine(f.date_from, time.min, zone) if f.date_from else None
    end = datetime.combine(f.date_to + timedelta(days=1), time.min, zone) if f.date_to else None
    return start, end


MANDATE_COLUMNS = ("merchant_contract_code", "contract_id", "status", "customer_email",
                   "service_name", "single_upper_limit", "currency", "periodic", "cycle_type",
                   "cycle_value", "next_debit_at", "termination_way", "terminated_at",
                   "termination_notes", "signed_at", "created_at", "id")
DEBIT_COLUMNS = ("merchant_request_id", "merchant_contract_code", "amount", "currency", "status",
                 "product_name", "provider_order_id", "error_code", "error_message", "review_note",
                 "created_at", "completed_at", "id")


def list_mandates(services: Services, actor: Actor, f: ListFilter, *,
                  limit: int = 5000) -> list[dict[str, object]]:
    require(services, actor, "orders.view")
    start, end = _bounds(services, f)
    statement = select(Mandate)
    if f.status:
        statement = statement.where(col(Mandate.status).in_(f.status))
    if f.currency:
        statement = statement.where(col(Mandate.currency).in_(f.currency))
    text = search_text(f.text)
    if text:
        like = like_pattern(text)
        statement = statement.where(col(Mandate.merchant_contract_code).like(like, escape="\\")
                                    | col(Mandate.contract_id).like(like, escape="\\")
                                    | col(Mandate.customer_email).like(like, escape="\\"))
    if start:
        statement = statement.where(col(Mandate.created_at) >= start)
    if end:
        statement = statement.where(col(Mandate.created_at) < end)
    zone = services.settings.zone
    with services.uow() as uow:
        rows = uow.session.exec(statement.order_by(col(Mandate.created_at).desc())
                                .limit(limit)).all()
        return [{name: _local(getattr(m, name), zone) for name in MANDATE_COLUMNS} for m in rows]


def list_debits(services: Services, actor: Actor, f: ListFilter, *,
                limit: int = 5000) -> list[dict[str, object]]:
    require(services, actor, "orders.view")
    start, end = _bounds(services, f)
    statement = select(DirectDebit, Mandate.merchant_contract_code).join(
        Mandate, col(Mandate.id) == col(DirectDebit.mandate_id))
    if f.status:
        statement = statement.where(col(DirectDebit.status).in_(f.status))
    if f.currency:
        statement = statement.where(col(DirectDebit.currency).in_(f.currency))
    text = search_text(f.text)
    if text:
        like = like_pattern(text)
        statement = statement.where(
            col(DirectDebit.merchant_request_id).like(like, escape="\\")
            | col(Mandate.merchant_contract_code).like(like, escape="\\"))
    if start:
        statement = statement.where(col(DirectDebit.created_at) >= start)
    if end:
        statement = statement.where(col(DirectDebit.created_at) < end)
    zone = services.settings.zone
    with services.uow() as uow:
        rows = uow.session.exec(statement.order_by(col(DirectDebit.created_at).desc())
                                .limit(limit)).all()
        return [{**{n: _local(getattr(d, n), zone) for n in DEBIT_COLUMNS if hasattr(d, n)},
                 "merchant_contract_code": code} for d, code in rows]


def _local(value: object, zone) -> object:  # type: ignore[no-untyped-def]
    return value.astimezone(zone) if isinstance(value, datetime) else value


# The export's headers are the words the page's table uses (issue 16: no snake_case in a file
# a finance user opens); columns the page does not show get words of the same kind.
HEADERS: dict[str, str] = {
    "merchant_contract_code": "Contract", "contract_id": "Contract id", "status": "Status",
    "customer_email": "Customer", "service_name": "Service",
    "single_upper_limit": "Single upper limit", "currency": "Currency", "periodic": "Periodic",
    "cycle_type": "Cycle unit", "cycle_value": "Cycle length", "next_debit_at": "Next debit",
    "termination_way": "Terminated", "terminated_at": "Terminated at",
    "termination_notes": "Termination notes", "signed_at": "Signed", "created_at": "Created",
    "completed_at": "Completed", "id": "Internal id", "merchant_request_id": "Debit",
    "amount": "Amount", "product_name": "For", "provider_order_id": "Provider order ID",
    "error_code": "Error code", "error_message": "Error", "review_note": "Needs review",
}


def rows_csv(rows: list[dict[str, object]], columns: tuple[str, ...], zone_name: str) -> bytes:
    """The Mandates page's exports (contracts, debits), headed in the page's words."""
    return cells.rows_csv(rows, columns, zone_name, HEADERS)
