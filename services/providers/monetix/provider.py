"""``MonetixProvider``: the ``PaymentProvider`` port over ``MonetixClient`` (Binance Pay as
Monetix method ``unify``).

How the port's words map onto the platform's (providers.md part A):

- A payment is a Gate ``sale`` keyed by our ``payment_id`` (= ``merchant_order_id``). Monetix
  gives it no id of its own, so ``provider_order_id`` is that same id. The sale answer only says
  "accepted"; the QR, checkout link, deep link and expiry arrive in a later intermediate callback
  (``display_data``). ``create_order`` therefore answers ``links_pending=True`` with empty links,
  and the PAYMENT event of that callback carries them as ``details["links"]`` and
  ``details["expires_at"]`` (``events.display_of``).
- A refund reuses the purchase's ``payment_id``; our ``refund_request_id`` travels as the
  merchant refund id, and ``provider_refund_id`` is the ``request_id`` Monetix answered, which the
  status answer's operations repeat. ``get_refund`` finds it through its payment.
- Payouts are single: one payout per request, keyed by its own ``payment_id``; a "batch" here is
  one line whose id is the batch's (``capabilities.max_payout_lines == 1``).
- Recurring is COF (stored credentials): ``create_contract`` is a sale that registers the
  credential (the customer pays ``single_limit`` once to sign), ``debit`` is a charge of the same
  amount under a new ``payment_id``, ``terminate_contract`` cancels the registration.
  ``notify_debit`` and ``close_order`` do not exist and raise ``NotOfferedError`` before anything
  is sent.

Who pays (``Payer``): Monetix needs ``customer.id`` and ``customer.ip_address`` on every sale,
payout and charge. ``customer.id`` is ``payer.customer_id`` when the caller has one, else one
derived from the e-mail (``customer_id_for``) so one person keeps one id across requests, which
is what the platform ties stored credentials and risk checks to. The IP is ``payer.ip_address``
when PayDesk saw the customer (a customer-facing checkout), else the ``operator_ip`` setting: a
payment request made in the back office comes from the merchant's own address, and saying so is
more honest than inventing a customer address.

Outcome rules: the client already turns every answer that may follow an applied request into an
outcome-unknown error. The status queries this adapter makes BEFORE sending (refund, payout
checks) change nothing, so a failure there is reported as "nothing sent", never as unknown.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

from services.providers import base
from services.providers import errors as neutral
from services.providers.events import InboundEvent

from . import errors
from .callbacks import CallbackParser
from .capabilities import CAPABILITIES
from .client import Customer, MonetixClient, PaymentStatus, ReceiveType, ReturnUrls
from .errors import PROVIDER
from .events import Outcome, classify
from .operations import Operation

SALE_TYPES = ("sale",)
REFUND_TYPES = ("refund", "reversal")
#: Payment types a caller may read as an order: purchases, and COF charges (a charge is a
#: payment of its own, which is how a debit's outcome is queried).
ORDER_PAYMENT_TYPES = (None, "purchase", "recurring")


def customer_id_for(payer: base.Payer) -> str:
    """``payer.customer_id``, or a stable id derived from the e-mail: the same person gets the
    same id on every request without PayDesk keeping a customer register, and the id itself
    carries no personal data."""
    if payer.customer_id:
        return payer.customer_id
    digest = hashlib.sha256(payer.email.strip().lower().encode("utf-8")).hexdigest()
    return f"pd-{digest[:32]}"


def _outcome(op: Operation) -> Outcome | None:
    return classify(op)[1]


def _amount(op: Operation | None) -> tuple[Decimal, str] | None:
    if op is None or op.sum_initial is None:
        return None
    return op.sum_initial.amount, op.sum_initial.currency


class MonetixProvider:
    """Provider-neutral face of Monetix. Raises ``services.providers.errors`` only."""

    name = PROVIDER
    capabilities = CAPABILITIES

    def __init__(self, client: MonetixClient, *, operator_ip: str | None = None) -> None:
        if operator_ip is not None:
            ipaddress.ip_address(operator_ip)  # a typo in the setting fails at start-up
        self.client = client
        self.operator_ip = operator_ip
        self._parser: CallbackParser = client.callback_parser()

    # -- notifications ----------------------------------------------------------------------

    def parse_event(self, headers: Mapping[str, str], body: bytes) -> InboundEvent:
        return self._parser.parse_event(headers, body)

    # -- who pays -----------------------------------------------------------------------------

    def _customer(self, payer: base.Payer | None, what: str, merchant_id: str) -> Customer:
        if payer is None:
            raise neutral.InvalidParameterError(
                f"Monetix needs the {what}'s first and last name and e-mail on every request",
                merchant_request_id=merchant_id, provider=PROVIDER)
        ip = payer.ip_address or self.operator_ip
        if ip is None:
            raise neutral.InvalidParameterError(
                f"Monetix needs an IP address for the {what}: none was seen for this person and "
                "no operator IP is configured for Monetix",
                merchant_request_id=merchant_id, provider=PROVIDER)
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise neutral.InvalidParameterError(
                f"{ip!r} is not an IP address", merchant_request_id=merchant_id,
                provider=PROVIDER) from None
        return Customer(customer_id_for(payer), ip, payer.first_name, payer.last_name,
                        payer.email)

    def _check(self, payment_id: str) -> PaymentStatus:
        """A status read made before sending anything: its failures mean "nothing sent"."""
        try:
            return self.client.status(payment_id=payment_id)
        except neutral.ProviderError as exc:
            if not exc.outcome_unknown:
                raise
            raise neutral.TransientServerError(
                f"could not read the payment at Monetix before sending ({exc.message}); "
                "nothing was sent", outcome_unknown=False, code=exc.code,
                merchant_request_id=payment_id, provider=PROVIDER) from exc

    # -- payments -----------------------------------------------------------------------------

    def create_order(
        self,
        *,
        merchant_order_id: str,
        amount: Decimal,
        currency: str,
        description: str,
        goods_name: str,
        return_url: str | None = None,
        cancel_url: str | None = None,
        webhook_url: str | None = None,
        expires_at: datetime | None = None,
        pass_through: str | None = None,
        payer: base.Payer | None = None,
    ) -> base.CreatedOrder:
        # ``expires_at``: the QR lives 20 minutes from when Monetix shows it and no request can
        # change that (capabilities.max_payment_expiry); a sooner stop is the core's own, as for
        # any provider without close. ``pass_through``: the sale has no field that comes back.
        del expires_at, pass_through
        customer = self._customer(payer, "customer", merchant_order_id)
        urls = ReturnUrls(success=return_url, decline=cancel_url) if (
            return_url or cancel_url) else None
        try:
            self.client.sale(payment_id=merchant_order_id, amount=amount, currency=currency,
                             customer=customer, description=description or goods_name,
                             return_urls=urls, callback_url=webhook_url)
        except errors.PaymentIdTaken:
            self._same_payment(merchant_order_id, amount, currency)
        return self._created(merchant_order_id, amount, currency)

    @staticmethod
    def _created(payment_id: str, amount: Decimal, currency: str) -> base.CreatedOrder:
        return base.CreatedOrder(
            provider_order_id=payment_id, merchant_order_id=payment_id, amount=amount,
            currency=currency.upper(),
            expires_at=None,  # known when display_data arrives (layout 2: expired_timestamp)
            links=base.CheckoutLinks(), links_pending=True)

    def _same_payment(self, payment_id: str, amount: Decimal, currency: str, *,
                      kind: tuple[str | None, str] = ("purchase", "sale"),
                      account: str | None = None) -> None:
        """After "3041 payment id already exists": a repeat of our own earlier attempt is the
        same request (the port's promise), told by the payment's type, its first operation's
        amount and currency, and for a payout its recipient; anything else under the id is a
        real conflict. If the status cannot be read, the 3041's own "unknown" stands."""
        try:
            status = self.client.status(payment_id=payment_id)
        except neutral.ProviderError as exc:
            raise errors.PaymentIdTaken(
                f"payment id {payment_id} already exists at Monetix and its status could not "
                f"be read ({exc.message}); query it before doing anything else", code="3041",
                merchant_request_id=payment_id, provider=PROVIDER) from exc
        payment_type, op_type = kind
        first = status.of_type(op_type)
        if (status.payment.type in (None, payment_type) and first
                and _amount(first[0]) == (amount, currency.upper())
                and (account is None or _text(status.raw.get("account"), "number") == account)):
            return
        raise neutral.DuplicateRequestError(
            f"payment id {payment_id} is already used at Monetix for another payment",
            code="3041", merchant_request_id=payment_id, provider=PROVIDER)

    def get_order(
        self, *, merchant_order_id: str | None = None, provider_order_id: str | None = None
    ) -> base.OrderStatus:
        payment_id = self._one_id(merchant_order_id, provider_order_id)
        status = self.client.status(payment_id=payment_id)
        if status.payment.type not in ORDER_PAYMENT_TYPES:
            raise neutral.NotFoundError(
                f"{payment_id} is a Monetix {status.payment.type}, not a payment",
                merchant_request_id=payment_id, provider=PROVIDER)
        sale = next(iter(status.of_type("sale", "recurring")), None)
        money = _amount(sale) or (
            (status.payment.sum.amount, status.payment.sum.currency) if status.payment.sum
            else (Decimal(0), ""))
        paid = sale is not None and _outcome(sale) is Outcome.SUCCEEDED
        return base.OrderStatus(
            provider_order_id=payment_id,
            merchant_order_id=payment_id,
            state=self._order_state(status, sale, money[0]),
            provider_status=status.payment.status or "",
            amount=money[0],
            currency=money[1],
            created_at=sale.created_at if sale else None,
            paid_at=sale.date if paid and sale else None,
            transaction_id=sale.id if sale else None,
            payer_id=_text(status.raw.get("account"), "number"),
        )

    @staticmethod
    def _one_id(merchant_id: str | None, provider_id: str | None) -> str:
        if merchant_id and provider_id and merchant_id != provider_id:
            raise neutral.InvalidParameterError(
                "Monetix knows a payment by one id: the merchant and provider ids must match",
                provider=PROVIDER)
        payment_id = merchant_id or provider_id
        if not payment_id:
            raise neutral.InvalidParameterError("name the payment", provider=PROVIDER)
        return payment_id

    @staticmethod
    def _order_state(status: PaymentStatus, sale: Operation | None,
                     amount: Decimal) -> base.OrderState:
        """From the operations, never from ``payment.status`` alone (a declined refund leaves
        it at "success"; after a refund ``payment.sum`` is the remainder)."""
        if sale is None:
            return base.OrderState.PENDING  # accepted, not processed yet
        _kind, outcome, state, _unknown = classify(sale)
        if outcome is Outcome.FAILED:
            # A sale's decline says why (expired QR, cancelled by the payer); a COF charge's
            # decline is an error of the payment.
            return state if isinstance(state, base.OrderState) else base.OrderState.ERROR
        if outcome is not Outcome.SUCCEEDED:
            # Pending, or a status we do not know, which must not read as final.
            return base.OrderState.PENDING
        refunds = status.of_type(*REFUND_TYPES)
        if any(_outcome(op) in (Outcome.PENDING, None) for op in refunds):
            return base.OrderState.REFUNDING
        refunded = _succeeded_total(refunds)
        if refunded >= amount > 0:
            return base.OrderState.REFUNDED
        if refunded > 0:
            return base.OrderState.PARTIALLY_REFUNDED
        return base.OrderState.PAID

    def close_order(self, **_: Any) -> None:
        self._not_offered("close_payment")

    # -- refunds ------------------------------------------------------------------------------

    def refund(
        self,
        *,
        refund_request_id: str,
        provider_order_id: str,
        amount: Decimal,
        reason: str | None = None,
        webhook_url: str | None = None,
    ) -> base.RefundResult:
        # ``webhook_url``: a refund request has no callback URL of its own; its callback goes
        # where the purchase's went.
        del webhook_url
        status = self._check(provider_order_id)
        sale = next(iter(status.of_type(*SALE_TYPES)), None)
        money = _amount(sale)
        if sale is None or money is None or _outcome(sale) is not Outcome.SUCCEEDED:
            raise neutral.InvalidStatusError(
                f"payment {provider_order_id} is not paid at Monetix, so it cannot be refunded",
                merchant_request_id=refund_request_id, provider=PROVIDER)
        refunds = status.of_type(*REFUND_TYPES)
        if any(_outcome(op) in (Outcome.PENDING, None) for op in refunds):
            # It may be this very refund, sent before and lost on the way back: reading it as a
            # refusal could release the hold and refund twice. Wait for it instead.
            raise neutral.UnknownOutcomeError(
                f"a refund of payment {provider_order_id} is already being processed at "
                "Monetix (it may be this one); wait for its outcome before sending another",
                merchant_request_id=refund_request_id, provider=PROVIDER)
        accepted = self.client.refund(
            payment_id=provider_order_id, description=reason or f"Refund {refund_request_id}",
            amount=amount, currency=money[1], merchant_refund_id=refund_request_id)
        return base.RefundResult(
            refund_request_id=refund_request_id,
            provider_refund_id=accepted.request_id or "",
            provider_order_id=provider_order_id,
            order_amount=money[0],
            amount=amount,
            refunded_total=_succeeded_total(refunds),
            remaining_attempts=None,  # Monetix counts no attempts; one in flight at a time
            state=base.RefundState.PENDING,
        )

    def get_refund(
        self,
        *,
        refund_request_id: str,
        provider_order_id: str | None = None,
        provider_refund_id: str | None = None,
    ) -> base.RefundResult:
        if not provider_order_id:
            raise neutral.InvalidParameterError(
                "Monetix finds a refund only through its payment: give the payment's id",
                merchant_request_id=refund_request_id, provider=PROVIDER)
        status = self.client.status(payment_id=provider_order_id)
        sale = next(iter(status.of_type(*SALE_TYPES)), None)
        refunds = status.of_type(*REFUND_TYPES)
        op = self._find_refund(refunds, refund_request_id, provider_refund_id)
        state = classify(op)[2]
        money = _amount(op) or (Decimal(0), "")
        return base.RefundResult(
            refund_request_id=refund_request_id,
            provider_refund_id=op.request_id or op.id or "",
            provider_order_id=provider_order_id,
            order_amount=(_amount(sale) or money)[0],
            amount=money[0],
            refunded_total=_succeeded_total(refunds),
            remaining_attempts=None,
            # An unknown status must not read as final: money may have moved.
            state=state if isinstance(state, base.RefundState) else base.RefundState.PENDING,
        )

    @staticmethod
    def _find_refund(refunds: Sequence[Operation], refund_request_id: str,
                     provider_refund_id: str | None) -> Operation:
        if provider_refund_id:
            for op in refunds:
                if provider_refund_id in (op.request_id, op.id):
                    return op
        if not refunds:
            # Nothing under this payment is a refund: ours never arrived, so it is safe to send.
            raise neutral.NotFoundError(
                f"Monetix has no refund of this payment for {refund_request_id}",
                merchant_request_id=refund_request_id, provider=PROVIDER)
        # Refunds exist but none is known to be ours (our request was lost before Monetix
        # answered, so we never learnt its request_id, and the status does not repeat the
        # merchant refund id). Another refund may be ours: only a person can tell.
        raise neutral.UnknownOutcomeError(
            f"this payment has refunds at Monetix but none can be matched to {refund_request_id}; "
            "compare them in the Monetix Dashboard before sending it again",
            merchant_request_id=refund_request_id, provider=PROVIDER)

    # -- payouts ------------------------------------------------------------------------------

    def create_payout_batch(
        self,
        *,
        batch_request_id: str,
        batch_name: str,
        currency: str,
        lines: Sequence[base.PayoutLineRequest],
        webhook_url: str | None = None,
    ) -> base.PayoutBatchResult:
        # ``webhook_url``: Gate payouts take no per-request callback URL in the seed; callbacks
        # go to the project's URL.
        del webhook_url
        if len(lines) != 1:
            raise neutral.InvalidParameterError(
                f"Monetix pays one recipient per request; this batch has {len(lines)} lines",
                merchant_request_id=batch_request_id, provider=PROVIDER)
        [line] = lines
        if line.merchant_line_id != batch_request_id:
            # One payment_id names the payout at Monetix; a second id could not be found again.
            raise neutral.InvalidParameterError(
                "a Monetix payout is known by one id: give its only line the batch's id",
                merchant_request_id=batch_request_id, provider=PROVIDER)
        if line.receiver_type not in CAPABILITIES.payout_receiver_types:
            kinds = ", ".join(sorted(CAPABILITIES.payout_receiver_types))
            raise neutral.InvalidParameterError(
                f"Monetix pays Binance users by {kinds}, not by {line.receiver_type}",
                merchant_request_id=batch_request_id, provider=PROVIDER)
        customer = self._customer(line.payee, "recipient", batch_request_id)
        try:
            self.client.payout(
                payment_id=batch_request_id, amount=line.amount, currency=currency,
                customer=customer, account=line.receiver,
                receive_type=ReceiveType(line.receiver_type),
                description=line.remark or batch_name)
        except errors.PaymentIdTaken:
            self._same_payment(batch_request_id, line.amount, currency,
                               kind=("payout", "payout"), account=line.receiver.strip())
        return base.PayoutBatchResult(
            batch_request_id=batch_request_id, state=base.PayoutBatchState.ACCEPTED,
            provider_status="accepted", currency=currency.upper(), total_amount=line.amount,
            total_number=1)

    def get_payout_batch(self, *, batch_request_id: str) -> base.PayoutBatchResult:
        status = self.client.status(payment_id=batch_request_id)
        if status.payment.type not in (None, "payout"):
            raise neutral.NotFoundError(
                f"{batch_request_id} is a Monetix {status.payment.type}, not a payout",
                merchant_request_id=batch_request_id, provider=PROVIDER)
        op = next(iter(status.of_type("payout")), None)
        money = _amount(op) or (Decimal(0), "")
        outcome = _outcome(op) if op else Outcome.PENDING
        receiver = _text(status.raw.get("account"), "number") or ""
        line = base.PayoutLine(
            merchant_line_id=batch_request_id,
            provider_line_id=op.id if op else None,
            # The status answer does not repeat receive_type; the account's form tells it
            # (a Binance id is digits only, an e-mail has an @).
            receiver_type=(ReceiveType.EMAIL if "@" in receiver else ReceiveType.BINANCE_ID).value,
            receiver=receiver,
            amount=money[0],
            state=_LINE_STATES.get(outcome, base.PayoutLineState.PROCESSING),
            provider_status=f"{op.type} {op.status}" if op else "accepted",
        )
        return base.PayoutBatchResult(
            batch_request_id=batch_request_id,
            state=_BATCH_STATES.get(outcome, base.PayoutBatchState.PROCESSING),
            provider_status=status.payment.status or "",
            currency=money[1] or None,
            total_amount=money[0],
            total_paid=money[0] if outcome is Outcome.SUCCEEDED else Decimal(0),
            total_fee=None,  # Monetix callbacks and status carry no fee; the report does
            total_number=1,
            lines=(line,),
        )

    # -- stored credentials (COF) ----------------------------------------------------------

    def create_contract(
        self,
        *,
        merchant_contract_code: str,
        service_name: str,
        single_limit: Decimal,
        currency: str,
        scenario_code: str = "Others",
        merchant_account_no: str | None = None,
        periodic: bool = False,
        cycle_type: str | None = None,
        cycle_value: int | None = None,
        first_deduct_at: datetime | None = None,
        ends_at: datetime | None = None,
        payer: base.Payer | None = None,
    ) -> base.Contract:
        """A sale that registers the credential: the customer pays ``single_limit`` now, and
        every later charge must be that same amount and currency (the platform's rule)."""
        # scenario_code and merchant_account_no are Binance Pay contract fields.
        del scenario_code, merchant_account_no
        if periodic or cycle_type or cycle_value or first_deduct_at or ends_at:
            self._not_offered("recurring_schedule")
        customer = self._customer(payer, "customer", merchant_contract_code)
        try:
            self.client.sale(payment_id=merchant_contract_code, amount=single_limit,
                             currency=currency, customer=customer, description=service_name,
                             register_cof=True)
        except errors.PaymentIdTaken:
            self._same_payment(merchant_contract_code, single_limit, currency)
        return base.Contract(
            merchant_contract_code=merchant_contract_code,
            state=base.ContractState.AWAITING_SIGNATURE,
            provider_status="accepted",
            service_name=service_name,
            single_limit=single_limit,
            currency=currency.upper(),
            payer_id=customer.id,
            # The QR comes as for any sale: on the PAYMENT event of this contract code.
        )

    def get_contract(
        self, *, merchant_contract_code: str | None = None, provider_contract_id: str | None = None
    ) -> base.Contract:
        if not merchant_contract_code:
            raise neutral.InvalidParameterError(
                "Monetix finds a stored credential only through the payment that registered it: "
                "give the contract code", provider=PROVIDER)
        status = self.client.status(payment_id=merchant_contract_code)
        sale = next(iter(status.of_type(*SALE_TYPES)), None)
        if sale is None:
            raise neutral.NotFoundError(
                f"{merchant_contract_code} did not register a stored credential at Monetix",
                merchant_request_id=merchant_contract_code, provider=PROVIDER)
        if provider_contract_id and status.recurring_id not in (None, provider_contract_id):
            raise neutral.InvalidParameterError(
                f"{merchant_contract_code} registered {status.recurring_id}, "
                f"not {provider_contract_id}", provider=PROVIDER)
        cancelled = next((op for op in status.of_type("recurring_cancel")
                          if _outcome(op) is Outcome.SUCCEEDED), None)
        sale_outcome = _outcome(sale)
        if cancelled is not None:
            state, shown = base.ContractState.TERMINATED, cancelled
        elif sale_outcome is Outcome.SUCCEEDED and status.recurring_id:
            state, shown = base.ContractState.SIGNED, sale
        elif sale_outcome is Outcome.FAILED or sale_outcome is Outcome.SUCCEEDED:
            # Never paid (QR expired, declined), or paid without a registration coming back:
            # either way there is nothing to charge.
            state, shown = base.ContractState.EXPIRED, sale
        else:
            state, shown = base.ContractState.AWAITING_SIGNATURE, sale
        money = _amount(sale)
        return base.Contract(
            merchant_contract_code=merchant_contract_code,
            state=state,
            provider_status=f"{shown.type} {shown.status}",
            provider_contract_id=status.recurring_id,
            single_limit=money[0] if money else None,
            currency=money[1] if money else None,
            payer_id=_text(status.raw.get("customer"), "id"),
            terminated_at=cancelled.date if cancelled else None,
            termination_way=cancelled.message if cancelled else None,
        )

    def terminate_contract(
        self,
        *,
        merchant_contract_code: str | None = None,
        provider_contract_id: str | None = None,
        notes: str | None = None,
    ) -> None:
        """Accepted only: the MANDATE event (``recurring_cancel success``) confirms it."""
        del notes  # the cancel request has no text field
        if not merchant_contract_code:
            raise neutral.InvalidParameterError(
                "give the contract code: Monetix files the cancellation under the payment that "
                "registered the credential", provider=PROVIDER)
        recurring_id = provider_contract_id or self.get_contract(
            merchant_contract_code=merchant_contract_code).provider_contract_id
        if not recurring_id:
            raise neutral.InvalidStatusError(
                f"{merchant_contract_code} has no stored credential to cancel",
                merchant_request_id=merchant_contract_code, provider=PROVIDER)
        self.client.recurring_cancel(payment_id=merchant_contract_code, recurring_id=recurring_id)

    def notify_debit(self, **_: Any) -> base.DebitNotice:
        self._not_offered("notify_debit")

    def debit(
        self,
        *,
        merchant_request_id: str,
        provider_contract_id: str,
        amount: Decimal,
        currency: str,
        product_name: str,
        notice_id: str | None = None,
        webhook_url: str | None = None,
        payer: base.Payer | None = None,
    ) -> base.DebitResult:
        """A charge under a new ``payment_id`` (= ``merchant_request_id``); accepted only, its
        outcome comes on a DEBIT event or from ``get_order`` on the same id."""
        # A COF charge carries no product text, notice or callback URL (seed table 6).
        del product_name, notice_id, webhook_url
        customer = self._customer(payer, "customer", merchant_request_id)
        try:
            self.client.recurring_charge(payment_id=merchant_request_id,
                                         recurring_id=provider_contract_id, amount=amount,
                                         currency=currency, customer=customer)
        except errors.PaymentIdTaken:
            self._same_payment(merchant_request_id, amount, currency,
                               kind=("recurring", "recurring"))
        return base.DebitResult(
            merchant_request_id=merchant_request_id, provider_debit_id=merchant_request_id,
            provider_order_id=merchant_request_id, state=base.DebitState.PROCESSING,
            provider_status="accepted")

    # -- what Monetix does not offer through Gate ---------------------------------------------

    def _not_offered(self, capability: str) -> NoReturn:
        raise neutral.NotOfferedError(CAPABILITIES.why_not(capability), provider=PROVIDER)

    def get_balances(self, **_: Any) -> tuple[base.Balance, ...]:
        self._not_offered("balances")

    def get_certificates(self) -> tuple[base.Certificate, ...]:
        return ()  # callbacks are signed with the project's shared secret, not certificates

    def get_report(self, *, report_type: str, start: date, end: date,
                   transaction_type: str | None = None) -> tuple[base.ReportFile, ...]:
        self._not_offered("statements")


_LINE_STATES = {Outcome.PENDING: base.PayoutLineState.PROCESSING,
                Outcome.SUCCEEDED: base.PayoutLineState.SUCCEEDED,
                Outcome.FAILED: base.PayoutLineState.FAILED}
_BATCH_STATES = {Outcome.PENDING: base.PayoutBatchState.PROCESSING,
                 Outcome.SUCCEEDED: base.PayoutBatchState.SUCCEEDED,
                 Outcome.FAILED: base.PayoutBatchState.FAILED}


def _succeeded_total(refunds: Sequence[Operation]) -> Decimal:
    return sum((op.sum_initial.amount for op in refunds
                if _outcome(op) is Outcome.SUCCEEDED and op.sum_initial), Decimal(0))


def _text(node: object, key: str) -> str | None:
    if not isinstance(node, Mapping):
        return None
    value = node.get(key)
    return str(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
