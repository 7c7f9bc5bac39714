"""BinancePayProvider fulfils the provider-neutral port against the sandbox."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.providers import base
from services.providers import errors as neutral
from tests.integration.providers.bp_harness import make_sandbox


@pytest.fixture
def sbx():
    return make_sandbox()


def test_adapter_is_a_payment_provider(sbx):
    assert isinstance(sbx.provider, base.PaymentProvider)


def test_order_refund_flow_in_neutral_terms(sbx):
    p = sbx.provider
    order = p.create_order(merchant_order_id="NEUTRAL1", amount=Decimal("40"), currency="USDT",
                           description="d", goods_name="g", pass_through="x")
    assert order.links.checkout_url and order.amount == Decimal("40")
    assert p.get_order(merchant_order_id="NEUTRAL1").state is base.OrderState.CREATED
    sbx.engine.pay_order(prepay_id=order.provider_order_id)
    sbx.engine.advance(5)
    paid = p.get_order(provider_order_id=order.provider_order_id)
    assert paid.state is base.OrderState.PAID and paid.paid_at is not None
    refund = p.refund(refund_request_id="NR1", provider_order_id=order.provider_order_id,
                      amount=Decimal("40"))
    assert refund.state is base.RefundState.PENDING and not refund.duplicate
    sbx.engine.advance(5)
    assert p.get_refund(refund_request_id="NR1").state is base.RefundState.SUCCEEDED
    assert p.get_order(merchant_order_id="NEUTRAL1").state is base.OrderState.REFUNDED
    with pytest.raises(neutral.InvalidStatusError):
        p.refund(refund_request_id="NR2", provider_order_id=order.provider_order_id,
                 amount=Decimal("1"))


def test_close_order_in_neutral_terms(sbx):
    order = sbx.provider.create_order(merchant_order_id="NCLOSE", amount=Decimal("1"),
                                      currency="USDT", description="d", goods_name="g")
    sbx.provider.close_order(provider_order_id=order.provider_order_id)
    assert sbx.provider.get_order(merchant_order_id="NCLOSE").state is base.OrderState.CANCELED


def test_payout_batch_in_neutral_terms(sbx):
    lines = [base.PayoutLineRequest("N1", "BINANCE_ID", "12345", Decimal("1.25")),
             base.PayoutLineRequest("N2", "EMAIL", "nobody@example.com", Decimal("2"))]
    sent = sbx.provider.create_payout_batch(batch_request_id="NB1", batch_name="n",
                                            currency="USDT", lines=lines)
    assert sent.state is base.PayoutBatchState.ACCEPTED and sent.total_amount == Decimal("3.25")
    sbx.engine.advance(10)
    batch = sbx.provider.get_payout_batch(batch_request_id="NB1")
    assert batch.state is base.PayoutBatchState.PARTIALLY_SUCCEEDED
    assert [ln.state for ln in batch.lines] == [base.PayoutLineState.SUCCEEDED,
                                                base.PayoutLineState.AWAITING_RECEIPT]


def test_contract_and_debit_in_neutral_terms(sbx):
    p = sbx.provider
    contract = p.create_contract(merchant_contract_code="NC1", service_name="s",
                                 single_limit=Decimal("10"), currency="USDT")
    assert contract.state is base.ContractState.AWAITING_SIGNATURE and contract.pre_contract_id
    contract_id = sbx.engine.sign_contract(merchant_contract_code="NC1")["contractId"]
    signed = p.get_contract(provider_contract_id=contract_id)
    assert signed.state is base.ContractState.SIGNED and signed.single_limit == Decimal("10")
    debit = p.debit(merchant_request_id="ND1", provider_contract_id=contract_id,
                    amount=Decimal("9.99"), currency="USDT", product_name="fee")
    assert debit.state is base.DebitState.PROCESSING and debit.provider_order_id
    sbx.engine.advance(5)
    assert p.get_order(provider_order_id=debit.provider_order_id).state is base.OrderState.PAID
    p.terminate_contract(merchant_contract_code="NC1", notes="done")
    assert p.get_contract(merchant_contract_code="NC1").state is base.ContractState.TERMINATED


def test_debit_notice_in_neutral_terms(sbx):
    contract_id = sbx.signed_contract("NPER", periodic=True)
    notice = sbx.provider.notify_debit(merchant_request_id="NN1", provider_contract_id=contract_id,
                                       estimated_amount=Decimal("5"), currency="USDT")
    assert notice.provider_notice_id and notice.merchant_request_id == "NN1"


def test_balances_certificates_and_reports_in_neutral_terms(sbx):
    usdt = [b for b in sbx.provider.get_balances() if b.asset == "USDT"]
    assert usdt[0].available == Decimal("10000") and usdt[0].frozen == 0
    [cert] = sbx.provider.get_certificates()
    assert cert.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    sbx.paid_order("NREPORT")
    files = sbx.provider.get_report(report_type="Transaction", transaction_type="Payment",
                                    start=date(2023, 11, 14), end=date(2023, 11, 14))
    assert [f.report_date for f in files] == ["14/11/2023"]
