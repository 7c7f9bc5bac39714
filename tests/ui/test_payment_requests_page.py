"""AppTest: the Payment requests page creates an order and shows its links and a local QR code;
refusals name the fields; an open request is closed through the confirmation dialog (also from
the order detail)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from data.models import Order
from services.entrypoints.bootstrap import Services
from services.orders.payment_requests import create_request
from tests.ui.conftest import demo_actor

PAGE = "app_pages/payment_requests.py"


def _page(signed_in_app: Callable[[str], AppTest], role: str = "operator") -> AppTest:
    at = signed_in_app(role)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _key(at: AppTest, name: str) -> str:
    """The form's widgets are keyed by round: each successful create starts an empty form."""
    return f"pr_{name}_{at.session_state['pr_form_round']}"


def _fill(at: AppTest, amount: str = "25", email: str = "buyer@example.com") -> AppTest:
    at.text_input(key=_key(at, "amount")).input(amount)
    at.selectbox(key=_key(at, "currency_binance_pay")).select("USDC")
    at.text_input(key=_key(at, "product")).input("Annual plan")
    at.text_input(key=_key(at, "email")).input(email)
    at.number_input(key=_key(at, "expiry_binance_pay")).set_value(10)
    at.button[0].click()  # the form's only submit button
    return at.run()


def _orders(services: Services) -> list[Order]:
    with services.uow() as uow:
        rows = list(uow.session.exec(select(Order)).all())
        uow.session.expunge_all()
        return rows





def test_create_shows_links_qr_and_countdown_then_close(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _fill(_page(signed_in_app))
    assert not at.exception, at.exception
    [order] = _orders(ui_services)
    assert (order.currency, order.customer_email, order.status) == ("USDC", "buyer@example.com",
                                                                   "INITIAL")
    assert any(order.merchant_order_id in s.value for s in at.success)
    codes = [c.value for c in at.code]
    assert order.checkout_url in codes and order.deeplink in codes
    assert order.universal_url in codes
    [qr] = at.get("image")  # the QR code, drawn locally (a media URL of this server)
    assert "binance" not in str(qr.proto)
    assert any("expires in" in m.value for m in at.markdown)
    assert any("Simulate the customer paying" == b.label for b in at.button)
    at.button(key=f"close_order_open_{order.id}").click().run()
    assert not at.exception, at.exception
    assert _orders(ui_services)[0].status == "INITIAL"  # nothing happens before "Yes"
    at.button(key="close_order_yes").click().run()
    assert not at.exception, at.exception
    assert _orders(ui_services)[0].status == "CANCELED"
    assert any("payment_cancelled" in i.value for i in at.info)
    assert not any(b.key == f"close_order_open_{order.id}" for b in at.button)


def test_refusals_name_each_field(signed_in_app: Callable[[str], AppTest],
                                  ui_services: Services) -> None:
    at = _fill(_page(signed_in_app), amount="1.123456789", email="nobody")
    assert not at.exception, at.exception
    [error] = at.error
    assert "**Amount**" in error.value and "**Customer email**" in error.value
    assert _orders(ui_services) == []


def test_viewer_sees_no_form(signed_in_app: Callable[[str], AppTest]) -> None:
    at = _page(signed_in_app, "viewer")
    assert not at.text_input and any("Only operators" in i.value for i in at.info)


def test_close_from_the_order_detail(signed_in_app: Callable[[str], AppTest],
                                     ui_services: Services) -> None:
    request = create_request(ui_services, demo_actor(ui_services, "operator"), amount="3",
                             currency="USDT", product="Tea", customer_email="t@example.com",
                             expiry_minutes=5).request
    at = signed_in_app("operator")
    at.query_params["order"] = request.merchant_order_id
    at.switch_page("app_pages/orders.py").run()
    assert not at.exception, at.exception
    at.button(key=f"close_order_open_{request.id}").click().run()
    at.button(key="close_order_yes").click().run()
    assert not at.exception, at.exception
    assert _orders(ui_services)[0].status == "CANCELED"
    assert any("accepted" in s.value for s in at.success)


def test_form_is_empty_after_a_create_and_a_second_click_creates_nothing(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _fill(_page(signed_in_app))
    assert not at.exception, at.exception
    assert len(_orders(ui_services)) == 1
    assert at.text_input(key=_key(at, "amount")).value == ""
    assert at.text_input(key=_key(at, "product")).value == ""
    assert at.text_input(key=_key(at, "email")).value == ""
    at.button[0].click().run()  # the submit again, as a double click would
    assert not at.exception, at.exception
    assert len(_orders(ui_services)) == 1
    recent = at.dataframe[-1].value
    assert list(recent["Status"]) == ["Created"]
    assert "None" not in recent.to_string()


def _choose(at: AppTest, provider: str) -> AppTest:
    at.radio(key="pr_provider").set_value(provider)
    return at.run()


def test_the_form_asks_the_payer_only_for_a_provider_that_needs_it(
    signed_in_app: Callable[[str], AppTest]
) -> None:
    at = _page(signed_in_app)
    labels = [t.label for t in at.text_input]
    assert "Customer first name" not in labels  # Binance Pay: the payer signs in at checkout
    assert set(at.radio(key="pr_provider").options) >= {"Binance Pay", "Monetix", "Juicyway"}
    at = _choose(at, "monetix")
    assert not at.exception, at.exception
    labels = [t.label for t in at.text_input]
    assert {"Customer first name", "Customer last name"} <= set(labels)
    assert "Customer phone" not in labels and "Customer country" not in labels
    assert "EUR" in at.selectbox(key=_key(at, "currency_monetix")).options
    at = _choose(at, "juicyway")
    labels = [t.label for t in at.text_input]
    assert {"Customer first name", "Customer last name", "Customer phone",
            "Customer country"} <= set(labels)
    assert at.number_input(key=_key(at, "expiry_juicyway")).max == 30


def _fill_payer(at: AppTest, provider: str, currency: str, *, phone: str = "+2348012345678",
                first: str = "Tolu") -> AppTest:
    at = _choose(at, provider)
    at.text_input(key=_key(at, "amount")).input("12.50")
    at.selectbox(key=_key(at, f"currency_{provider}")).select(currency)
    at.text_input(key=_key(at, "product")).input("Annual plan")
    at.text_input(key=_key(at, "email")).input("tolu@example.com")
    at.text_input(key=_key(at, "first_name")).input(first)
    at.text_input(key=_key(at, "last_name")).input("Adébáyọ̀")
    if provider == "juicyway":
        at.text_input(key=_key(at, "phone")).input(phone)
        at.text_input(key=_key(at, "country")).input("ng")
    at.button[0].click()
    return at.run()


def test_a_juicyway_request_keeps_the_payer_and_is_paid_in_the_sandbox(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _fill_payer(_page(signed_in_app), "juicyway", "NGN")
    assert not at.exception, at.exception
    [order] = _orders(ui_services)
    assert (order.provider, order.currency) == ("juicyway", "NGN")
    assert order.status in ("INITIAL", "PENDING")
    assert (order.customer_first_name, order.customer_last_name, order.customer_phone,
            order.customer_country) == ("Tolu", "Adébáyọ̀", "+2348012345678", "NG")
    assert order.provider_order_id and order.checkout_url
    assert any("Through Juicyway" in c.value and "Tolu Adébáyọ̀" in c.value for c in at.caption)
    at.button(key="pr_simulate").click().run()
    assert not at.exception, at.exception
    # The sandbox customer paid; following the open request asked Juicyway, which confirms.
    assert _orders(ui_services)[0].status == "PAID"
    assert any(m.value == "**Paid**" for m in at.markdown)


def test_payer_refusals_name_the_field_and_the_fix(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _fill_payer(_page(signed_in_app), "juicyway", "USD", phone="0801 234", first="R2D2")
    assert not at.exception, at.exception
    [error] = at.error
    assert "**Phone**" in error.value and "+ and the country code" in error.value
    assert "**First name**" in error.value and "letters" in error.value
    assert _orders(ui_services) == []


def test_a_monetix_request_asks_name_and_email_only(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _fill_payer(_page(signed_in_app), "monetix", "EUR")
    assert not at.exception, at.exception
    [order] = _orders(ui_services)
    assert (order.provider, order.customer_first_name, order.customer_phone) == (
        "monetix", "Tolu", None)
    assert any(order.merchant_order_id in s.value for s in at.success)
