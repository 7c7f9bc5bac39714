"""Payment requests: create an order through one of the enabled providers for a customer, share
it, follow it to the end. The payer's name, phone and country are asked only when the chosen
provider must be told who pays (its capabilities say so)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.auth import signed_in_actor
from dashboard.components.badges import styled_status
from dashboard.components.close_order import render_close_action
from dashboard.components.formatting import format_money, or_empty, status_label
from dashboard.components.qr import qr_png
from dashboard.components.tables import right_aligned
from dashboard.runtime import get_services
from services.core.access import can
from services.core.errors import PayDeskError
from services.orders.payment_requests import (
    PaymentRequest,
    PaymentRequestInvalid,
    PaymentTerms,
    create_request,
    enabled_payment_providers,
    get_request,
    recent_requests,
    refresh_request,
    simulate_customer_payment,
)

CURRENT = "pr_current"
FLASH = "pr_flash"
ROUND = "pr_form_round"
FOLLOW_SECONDS = 2
PROVIDER = "pr_provider"
OPEN_STATUSES = ("INITIAL", "PENDING")
LABELS = {"amount": "Amount", "currency": "Currency", "product": "Product",
          "customer_email": "Customer email", "expiry_minutes": "Expires after",
          "customer_first_name": "First name", "customer_last_name": "Last name",
          "customer_phone": "Phone", "customer_country": "Country"}
#: The payer's fields, in the order the form asks them: (service field, widget name, label, hint).
PAYER_INPUTS = (
    ("customer_first_name", "first_name", "Customer first name", None),
    ("customer_last_name", "last_name", "Customer last name", None),
    ("customer_phone", "phone", "Customer phone", "international form, e.g. +2348012345678"),
    ("customer_country", "country", "Customer country", "two letters, e.g. NG, US, CA"),
)
# What the customer saw, in the words of the checkout's payment_expired / payment_cancelled.
SITUATIONS = {
    "EXPIRED": ("payment_expired: the customer did not pay before the expiry time, so Binance Pay "
                "closed the checkout. The links and QR code no longer work; create a new request "
                "if the customer still wants to pay."),
    "CANCELED": ("payment_cancelled: the request was closed before it was paid (by staff here, "
                 "or the checkout was cancelled). Nothing was charged; create a new request if "
                 "the customer still wants to pay."),
    "ERROR": ("The payment failed at Binance Pay and nothing was charged. Create a new request "
              "and ask the customer to try again."),
}

services, actor = get_services(), signed_in_actor()
zone = services.settings.zone
state = st.session_state


def _local(value: datetime | None) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def _remaining(request: PaymentRequest) -> str:
    if request.expires_at is None:
        return "no expiry given"
    left = request.expires_at - services.now()
    if left <= timedelta(0):
        return "expiry time reached; waiting for Binance Pay to confirm"
    minutes, seconds = divmod(int(left.total_seconds()), 60)
    return f"expires in {minutes:02d}:{seconds:02d} (at {_local(request.expires_at)})"


@dataclass
class _Created:
    form_round: int
    order_id: int
    flash: tuple[str, str]


@st.cache_resource(show_spinner=False)
def _registry() -> tuple[threading.Lock, dict[str, threading.Lock], dict[str, _Created]]:
    """Per browser session, kept by the server: a lock around creating, and the last create.

    A double click can run the form callback twice, and Streamlit may stop the first run after
    the request was made but before its session state was kept; so what was created is noted
    here, outside the session state, and the second run shows it instead of creating again."""
    return threading.Lock(), {}, {}


def _field(name: str, form_round: int) -> str:
    return f"pr_{name}_{form_round}"


def _create(form_round: int) -> None:
    """Form callback: runs before the page draws, so the result shows on this very click.

    The form's widgets carry the round in their keys; a success starts a new round, so the form
    comes back empty. A second run for a round that already created a request only shows it."""
    guard, locks, created = _registry()
    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx else ""
    with guard:
        lock = locks.setdefault(session, threading.Lock())
    with lock:
        done = created.get(session)
        if done is not None and done.form_round >= form_round:
            _show(done)
            return
        if form_round != state.get(ROUND, 0):
            return
        state.pop(FLASH, None)
        terms = _chosen_terms()
        payer = {name: state.get(_field(widget, form_round)) or ""
                 for name, widget, _, _ in PAYER_INPUTS if terms.asks(name)}
        try:
            outcome = create_request(
                services, actor, amount=state[_field("amount", form_round)],
                currency=state[_field(f"currency_{terms.provider}", form_round)],
                product=state[_field("product", form_round)],
                customer_email=state[_field("email", form_round)],
                expiry_minutes=state[_field(f"expiry_{terms.provider}", form_round)],
                provider=terms.provider, **payer)
        except PaymentRequestInvalid as error:
            state[FLASH] = ("error", "Not created. " + " ".join(
                f"**{LABELS.get(k, k)}**: {v}." for k, v in error.problems.items()))
            return
        except PayDeskError as error:
            state[FLASH] = ("error", str(error))
            return
        done = created[session] = _Created(form_round, outcome.request.id,
                                           (outcome.kind, outcome.message))
    _show(done)


def _show(done: _Created) -> None:
    state[CURRENT] = done.order_id
    state[FLASH] = done.flash
    state[ROUND] = max(int(state.get(ROUND, 0)), done.form_round + 1)


def _providers() -> list[PaymentTerms]:
    """The enabled providers' terms, the default first."""
    return enabled_payment_providers(services)


def _chosen_terms() -> PaymentTerms:
    offered = {t.provider: t for t in _providers()}
    chosen = state.get(PROVIDER)
    return offered.get(chosen) if chosen in offered else next(iter(offered.values()))


def _provider_choice() -> PaymentTerms:
    """Outside the form, so that choosing a provider redraws the form with its own fields,
    currencies and expiry at once. Shown only when more than one provider is enabled."""
    offered = _providers()
    if len(offered) > 1:
        titles = {t.provider: t.title for t in offered}
        if state.get(PROVIDER) not in titles:
            state[PROVIDER] = offered[0].provider
        st.radio(
            "Take the payment through", list(titles), format_func=titles.__getitem__,
            key=PROVIDER, horizontal=True,
            help="Each provider has its own currencies, expiry and what it must know about "
                 "the customer.")
    return _chosen_terms()


def _form() -> None:
    form_round = int(state.setdefault(ROUND, 0))
    terms = _provider_choice()
    # Widgets carry the provider in their keys: another provider's currency list and expiry
    # bounds start fresh instead of holding a value the new one does not take.
    with st.form(f"pr_form_{form_round}"):
        left, right = st.columns(2)
        left.text_input("Amount", key=_field("amount", form_round), placeholder="e.g. 25.00")
        right.selectbox("Currency", terms.currencies,
                        key=_field(f"currency_{terms.provider}", form_round))
        st.text_input("Product", key=_field("product", form_round), max_chars=256,
                      placeholder="what the customer pays for")
        if terms.needs_payer:
            st.caption(f"{terms.title} must be told who pays before it creates the payment.")
            asked = [i for i in PAYER_INPUTS if terms.asks(i[0])]
            for pair in (asked[i:i + 2] for i in range(0, len(asked), 2)):
                for column, (_, widget, label, hint) in zip(st.columns(2), pair, strict=False):
                    column.text_input(label, key=_field(widget, form_round), placeholder=hint,
                                      max_chars=100)
        left, right = st.columns(2)
        left.text_input("Customer email", key=_field("email", form_round))
        right.number_input("Expires after (minutes)", min_value=1,
                           max_value=terms.expiry_minutes_max,
                           value=terms.expiry_minutes_default, step=1,
                           key=_field(f"expiry_{terms.provider}", form_round),
                           help=f"{terms.expiry_rule}.")
        st.form_submit_button("Create payment request", type="primary", on_click=_create,
                              args=(form_round,), icon=":material/add_card:",
                              key=f"pr_submit_{form_round}")


@st.fragment(run_every=timedelta(seconds=FOLLOW_SECONDS))
def _follow(order_id: int, status: str, confirmed: bool, links: bool = False) -> None:
    """Asks the provider every few seconds while the request is open; redraws the page when
    something outside this fragment changes (paid or ended, confirmed, links arrived). Open to
    open (the customer opened the checkout) only redraws the status here, so the message of
    the create stays on screen."""
    outcome = refresh_request(services, actor, order_id)
    now = outcome.request
    if (now.is_open, now.confirmed, _has_links(now)) != (status in OPEN_STATUSES, confirmed,
                                                          links):
        st.rerun()
    st.markdown(f"**{status_label(now.status)}** — {_remaining(now)}")
    if outcome.kind != "success":
        st.caption(outcome.message)


def _has_links(request: PaymentRequest) -> bool:
    return bool(request.checkout_url or request.qr_content)


def _links(request: PaymentRequest) -> None:
    qr_text = request.qr_content or request.universal_url or request.checkout_url
    left, right = st.columns([1, 2])
    if qr_text:
        # Drawn here: the payment link never goes to a third-party QR service.
        left.image(qr_png(qr_text), caption="Scan with the Binance app", width=220)
    with right:
        for label, value in (("Checkout URL", request.checkout_url),
                             ("Deeplink (Binance app)", request.deeplink),
                             ("Universal link (mobile)", request.universal_url)):
            if value:
                st.markdown(f"**{label}**")
                st.code(value, language=None)


def _title(request: PaymentRequest) -> str:
    titles = {t.provider: t.title for t in _providers()}
    return titles.get(request.provider or "", request.provider or "the provider")


def _sandbox_helper(request: PaymentRequest) -> None:
    with st.container(border=True):
        st.markdown("**Sandbox only — simulate the customer paying.** No real money moves: the "
                    f"in-process {_title(request)} sandbox pays this order as a customer would, "
                    "and reports it the way it reports any payment.")
        if st.button("Simulate the customer paying", key="pr_simulate",
                     icon=":material/science:"):
            try:
                state[FLASH] = ("info", simulate_customer_payment(services, actor, request.id))
            except PayDeskError as error:
                state[FLASH] = ("error", str(error))
            st.rerun()


def _request(order_id: int) -> None:
    try:
        request = get_request(services, actor, order_id)
    except PayDeskError as error:
        st.warning(str(error))
        return
    st.subheader(f"{format_money(request.amount, request.currency)} · {request.product_name}")
    st.caption(f"Order `{request.merchant_order_id}` · "
               f"provider order ID `{request.provider_order_id or '—'}` · "
               f"customer {request.customer_email or '—'} · created {_local(request.created_at)} "
               f"by {request.created_by or '—'} · times in {zone.key}")
    payer = ", ".join(p for p in (request.customer_name, request.customer_phone,
                                  request.customer_country) if p)
    st.caption(f"Through {_title(request)}" + (f" · payer {payer}" if payer else ""))
    if request.is_open:
        _follow(request.id, request.status, request.confirmed, _has_links(request))
    else:
        st.markdown(f"**{status_label(request.status)}**")
    if request.status in SITUATIONS:
        st.info(SITUATIONS[request.status], icon=":material/info:")
    elif request.paid_at:
        st.success(f"Paid at {_local(request.paid_at)}.", icon=":material/check_circle:")
    if request.is_open and not request.confirmed:
        st.warning("Binance Pay has not confirmed this order yet (the create call got no answer). "
                   "It is checked again with the same order ID; it is never created twice.")
    if request.is_open and _has_links(request):
        _links(request)
    if request.is_open:
        render_close_action(request.id)
        if services.settings.is_sandbox and request.confirmed and \
                can(actor, "payment_request.create"):
            _sandbox_helper(request)


st.title("Payment requests")
flash = state.pop(FLASH, None)
if flash:
    getattr(st, flash[0])(flash[1])
if can(actor, "payment_request.create"):
    _form()
else:
    st.info("Only operators create payment requests; you can follow the recent ones below.")
if state.get(CURRENT):
    with st.container(border=True):
        _request(int(state[CURRENT]))

st.subheader("Recent requests")
recent = recent_requests(services, actor)
if not recent:
    st.caption("No payment requests yet.")
else:
    recent_table = pd.DataFrame(
        [{f"Created ({zone.key})": _local(r.created_at), "Order": r.merchant_order_id,
          "Amount": format_money(r.amount, r.currency), "Product": r.product_name,
          "Customer": or_empty(r.customer_email), "Status": status_label(r.status),
          f"Expires ({zone.key})": _local(r.expires_at), "By": or_empty(r.created_by)}
         for r in recent])
    st.dataframe(styled_status(recent_table, "Status", "order"), hide_index=True,
                 width="stretch", column_config=right_aligned("Amount", data=recent_table))
    names = {r.id: f"{r.merchant_order_id} · {format_money(r.amount, r.currency)} · "
                   f"{status_label(r.status)}" for r in recent}
    st.selectbox("Open a request", list(names), index=None, format_func=names.__getitem__,
                 key="pr_open", on_change=lambda: state.__setitem__(CURRENT, state.pr_open))
