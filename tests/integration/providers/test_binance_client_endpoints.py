"""Every BinancePayClient method against the in-process sandbox."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.providers.binance_pay import errors
from tests.integration.providers.bp_harness import GOODS, T0, make_sandbox


@pytest.fixture
def sbx():
    return make_sandbox()


def balance(sbx, asset="USDT", wallet="FUNDING_WALLET"):
    result = sbx.client.wallet_balance(wallet=wallet, currency=asset)
    return result.balance[0].available, result.balance[0].freeze


def test_create_order_v3_returns_checkout_links_and_a_prepay_id_above_int64(sbx):
    r = sbx.client.create_order_v3(
        merchant_trade_no="ORD1", order_amount=Decimal("12.34"), currency="USDT",
        description="one widget", goods_details=[GOODS], pass_through_info="abc",
    )
    assert int(r.prepayId) > 2**63
    assert r.checkoutUrl and r.deeplink and r.qrContent and r.universalUrl
    assert r.totalFee == Decimal("12.34") and r.expireTime == T0 + 3600_000
    q = sbx.client.query_order(prepay_id=r.prepayId)
    assert (q.status, q.orderAmount, q.passThroughInfo) == ("INITIAL", Decimal("12.34"), "abc")


def test_create_order_v3_with_fiat_converts_to_usdt(sbx):
    r = sbx.client.create_order_v3(
        merchant_trade_no="FIAT1", fiat_amount=Decimal("100"), fiat_currency="HKD",
        description="d", goods_details=[GOODS],
    )
    assert (r.currency, r.totalFee, r.fiatCurrency) == ("USDT", Decimal("12.8"), "HKD")


def test_create_order_v2_and_query_by_merchant_trade_no(sbx):
    r = sbx.client.create_order_v2(
        merchant_trade_no="V2ORDER", order_amount=Decimal("5"), currency="BNB",
        goods={**GOODS, "goodsUnitAmount": {"currency": "BNB", "amount": Decimal("5")}},
    )
    q = sbx.client.query_order(merchant_trade_no="V2ORDER")
    assert q.prepayId == r.prepayId and q.currency == "BNB"


def test_order_validation_errors(sbx):
    with pytest.raises(errors.InvalidParamIllegalChar):
        sbx.client.create_order_v3(merchant_trade_no="bad-no", order_amount=Decimal(1),
                                   currency="USDT", description="d", goods_details=[GOODS])
    with pytest.raises(errors.InvalidParamWrongValue):
        sbx.client.create_order_v3(merchant_trade_no="lower", order_amount=Decimal(1),
                                   currency="usdt", description="d", goods_details=[GOODS])
    with pytest.raises(errors.MandatoryParamEmpty):
        sbx.client.create_order_v3(merchant_trade_no="nodesc", order_amount=Decimal(1),
                                   currency="USDT", description="", goods_details=[GOODS])
    with pytest.raises(errors.OrderNotFound):
        sbx.client.query_order(merchant_trade_no="nothere")


def test_payment_turns_order_paid_after_delay_and_sends_pay_success(sbx):
    r = sbx.client.create_order_v3(merchant_trade_no="PAYME", order_amount=Decimal("10"),
                                   currency="USDT", description="d", goods_details=[GOODS])
    before, _ = balance(sbx)
    sbx.engine.pay_order(prepay_id=r.prepayId, payer_id="42")
    assert sbx.client.query_order(prepay_id=r.prepayId).status == "PENDING"
    sbx.engine.advance(5)
    q = sbx.client.query_order(prepay_id=r.prepayId)
    assert q.status == "PAID" and q.openUserId == "42" and q.transactTime == T0 + 2000
    assert q.commission == Decimal("0.04")
    assert balance(sbx)[0] == before + Decimal("10") - Decimal("0.04")
    [pay] = [e for e in sbx.sink.envelopes() if e["bizType"] == "PAY"]
    assert pay["bizStatus"] == "PAY_SUCCESS" and pay["bizIdStr"] == r.prepayId


def test_close_order_cancels_and_notifies_pay_closed(sbx):
    r = sbx.client.create_order_v3(merchant_trade_no="CLOSEME", order_amount=Decimal("1"),
                                   currency="USDT", description="d", goods_details=[GOODS])
    assert sbx.client.close_order(merchant_trade_no="CLOSEME") is True
    assert sbx.client.query_order(prepay_id=r.prepayId).status == "CANCELED"
    sbx.engine.advance(3)
    assert [e["bizStatus"] for e in sbx.sink.envelopes()] == ["PAY_CLOSED"]
    with pytest.raises(errors.InvalidOrderStatus):
        sbx.client.close_order(prepay_id=r.prepayId)


def test_paid_order_cannot_be_closed_and_unpaid_order_expires(sbx):
    prepay = sbx.paid_order("PAIDCLOSE")
    with pytest.raises(errors.InvalidOrderStatus):
        sbx.client.close_order(prepay_id=prepay)
    r = sbx.client.create_order_v3(merchant_trade_no="EXPIRE", order_amount=Decimal("1"),
                                   currency="USDT", description="d", goods_details=[GOODS],
                                   order_expire_time=T0 + 5 + 600_000)
    sbx.engine.advance(601)
    assert sbx.client.query_order(prepay_id=r.prepayId).status == "EXPIRED"


def test_partial_refunds_then_full_refund(sbx):
    prepay = sbx.paid_order("REFUNDME", "100")
    before, _ = balance(sbx)
    first = sbx.client.refund(refund_request_id="RF1", prepay_id=prepay,
                              refund_amount=Decimal("30.5"), refund_reason="damaged")
    assert (first.refundAmount, first.refundedAmount, first.remainingAttempts) == (
        Decimal("30.5"), Decimal("30.5"), 9)
    assert first.duplicateRequest == "N"
    assert balance(sbx)[0] == before - Decimal("30.5")
    assert sbx.client.query_refund(refund_request_id="RF1").refundStatus == "REFUND_PENDING"
    assert sbx.client.query_order(prepay_id=prepay).status == "REFUNDING"
    sbx.engine.advance(5)
    done = sbx.client.query_refund(refund_request_id="RF1")
    assert done.refundStatus == "REFUND_SUCCESS" and done.refundCommission == Decimal("0.122")
    assert sbx.client.query_order(prepay_id=prepay).status == "REFUNDED"
    with pytest.raises(errors.InvalidRefundAmount):
        sbx.client.refund(refund_request_id="RF2", prepay_id=prepay, refund_amount=Decimal("70"))
    sbx.client.refund(refund_request_id="RF3", prepay_id=prepay, refund_amount=Decimal("69.5"))
    sbx.engine.advance(5)
    assert sbx.client.query_order(prepay_id=prepay).status == "FULL_REFUNDED"
    assert [e["bizStatus"] for e in sbx.sink.envelopes() if e["bizType"] == "PAY_REFUND"] == [
        "REFUND_SUCCESS", "REFUND_SUCCESS"]


def test_tenth_refund_attempt_refunds_everything_left_and_eleventh_is_refused(sbx):
    prepay = sbx.paid_order("TENREFUNDS", "100")
    for i in range(9):
        sbx.client.refund(refund_request_id=f"T{i}", prepay_id=prepay, refund_amount=Decimal(1))
    last = sbx.client.refund(refund_request_id="T9", prepay_id=prepay, refund_amount=Decimal(1))
    assert last.refundAmount == Decimal(91) and last.remainingAttempts == 0
    with pytest.raises(errors.TooManyRefundAttempts):
        sbx.client.refund(refund_request_id="T10", prepay_id=prepay, refund_amount=Decimal(1))


def test_refund_errors(sbx):
    with pytest.raises(errors.InvalidPrepayId):
        sbx.client.refund(refund_request_id="X1", prepay_id="1", refund_amount=Decimal(1))
    unpaid = sbx.client.create_order_v3(merchant_trade_no="UNPAID", order_amount=Decimal(1),
                                        currency="USDT", description="d", goods_details=[GOODS])
    with pytest.raises(errors.InvalidOrderStatus):
        sbx.client.refund(refund_request_id="X2", prepay_id=unpaid.prepayId,
                          refund_amount=Decimal(1))
    prepay = sbx.paid_order("LOWBAL", "50")
    sbx.engine.set_balance("USDT", Decimal("10"))
    with pytest.raises(errors.RemainingAmountNotEnough) as exc:
        sbx.client.refund(refund_request_id="X3", prepay_id=prepay, refund_amount=Decimal(20))
    assert exc.value.merchant_request_id == "X3"
    with pytest.raises(errors.OrderNotFound):
        sbx.client.query_refund(refund_request_id="nope")


def _lines():
    return [
        {"merchantSendId": "L1", "receiveType": "BINANCE_ID", "receiver": "111222333",
         "transferAmount": Decimal("10"), "transferMethod": "FUNDING_WALLET", "remark": "a"},
        {"merchantSendId": "L2", "receiveType": "EMAIL", "receiver": "known@example.com",
         "transferAmount": Decimal("5.5"), "transferMethod": "FUNDING_WALLET"},
        {"merchantSendId": "L3", "receiveType": "EMAIL", "receiver": "new@example.com",
         "transferAmount": Decimal("4.5"), "transferMethod": "FUNDING_WALLET"},
        {"merchantSendId": "L4", "receiveType": "BINANCE_ID", "receiver": "not-an-id",
         "transferAmount": Decimal("1"), "transferMethod": "FUNDING_WALLET"},
    ]


def test_batch_payout_lifecycle_and_72h_return(sbx):
    sbx.engine.register_receiver("known@example.com")
    before, _ = balance(sbx)
    r = sbx.client.batch_payout(request_id="BATCH1", batch_name="March", currency="USDT",
                                total_amount=Decimal("21"), total_number=4,
                                transfer_detail_list=_lines())
    assert (r.requestId, r.status) == ("BATCH1", "ACCEPTED")
    assert balance(sbx) == (before - 21, Decimal(21))
    assert sbx.client.query_payout(request_id="BATCH1").batchStatus == "ACCEPTED"
    sbx.engine.advance(3)
    assert sbx.client.query_payout(request_id="BATCH1").batchStatus == "PROCESSING"
    sbx.engine.advance(5)
    q = sbx.client.query_payout(request_id="BATCH1")
    assert q.batchStatus == "PART_SUCCESS"
    assert {d.merchantSendId: d.status for d in q.transferDetailList} == {
        "L1": "SUCCESS", "L2": "SUCCESS", "L3": "AWAITING_RECEIPT", "L4": "FAIL"}
    assert q.totalPaidAmount == Decimal("15.5")
    assert balance(sbx) == (before - Decimal("20"), Decimal("4.5"))
    only_fail = sbx.client.query_payout(request_id="BATCH1", detail_status="FAIL")
    assert [d.merchantSendId for d in only_fail.transferDetailList] == ["L4"]
    sbx.engine.advance(71 * 3600)
    assert _status(sbx, "L3") == "AWAITING_RECEIPT"
    sbx.engine.advance(3600)
    assert _status(sbx, "L3") == "REFUNDED"
    assert balance(sbx) == (before - Decimal("15.5"), Decimal(0))
    kinds = [(e["bizType"], e["bizStatus"]) for e in sbx.sink.envelopes()]
    assert ("PAYOUT", "PART_SUCCESS") in kinds
    assert ("PAYOUT_NON_BN", "AWAITING_RECEIPT") in kinds and ("PAYOUT_NON_BN", "REFUNDED") in kinds


def _status(sbx, send_id):
    q = sbx.client.query_payout(request_id="BATCH1")
    return next(d.status for d in q.transferDetailList if d.merchantSendId == send_id)


def test_awaiting_receiver_who_signs_up_gets_paid(sbx):
    sbx.client.batch_payout(request_id="B2", batch_name="x", currency="USDT",
                            total_amount=Decimal("4.5"), total_number=1,
                            transfer_detail_list=[_lines()[2]])
    sbx.engine.advance(10)
    sbx.engine.register_receiver("new@example.com")
    assert sbx.client.query_payout(request_id="B2").batchStatus == "SUCCESS"


def test_payout_validation_and_insufficient_balance(sbx):
    with pytest.raises(errors.InvalidParamWrongValue):
        sbx.client.batch_payout(request_id="B3", batch_name="x", currency="USDT",
                                total_amount=Decimal("99"), total_number=4,
                                transfer_detail_list=_lines())
    with pytest.raises(errors.InvalidParamWrongValue):
        sbx.client.batch_payout(request_id="B3", batch_name="x", currency="USDT",
                                total_amount=Decimal("21"), total_number=3,
                                transfer_detail_list=_lines())
    sbx.engine.set_balance("USDT", Decimal("20.99999999"))
    with pytest.raises(errors.RemainingAmountNotEnough):
        sbx.client.batch_payout(request_id="B3", batch_name="x", currency="USDT",
                                total_amount=Decimal("21"), total_number=4,
                                transfer_detail_list=_lines())
    with pytest.raises(errors.OrderNotFound):
        sbx.client.query_payout(request_id="B3")


def test_contract_sign_debit_and_terminate(sbx):
    created = sbx.client.create_contract(
        merchant_contract_code="CT1", service_name="Gym", scenario_code="Membership",
        single_upper_limit=Decimal("50"), merchant_account_no="acct-1",
    )
    assert created.preContractId and created.qrContent
    assert sbx.client.query_contract(merchant_contract_code="CT1").bizStatus == "INITIAL"
    with pytest.raises(errors.ContractNotSigned):
        sbx.client.terminate_contract(merchant_contract_code="CT1")
    contract_id = sbx.engine.sign_contract(merchant_contract_code="CT1")["contractId"]
    q = sbx.client.query_contract(contract_id=contract_id)
    assert (q.bizStatus, q.contractId, q.singleUpperLimit) == (
        "CONTRACT_SIGNED", contract_id, Decimal(50))
    assert int(contract_id) > 2**63
    before, _ = balance(sbx)
    debit = sbx.client.pay_apply(merchant_request_id="D1", contract_id=contract_id,
                                 amount=Decimal("49.99"), product_name="March fee")
    assert debit.status == "PROCESSING" and debit.prepayId
    with pytest.raises(errors.InvalidParamWrongValue):
        sbx.client.pay_apply(merchant_request_id="D2", contract_id=contract_id,
                             amount=Decimal("50.01"), product_name="too much")
    sbx.engine.advance(5)
    assert sbx.client.query_order(prepay_id=debit.prepayId).status == "PAID"
    assert balance(sbx)[0] == before + Decimal("49.99")
    assert sbx.client.terminate_contract(contract_id=contract_id, termination_notes="bye")
    q = sbx.client.query_contract(merchant_contract_code="CT1")
    assert (q.bizStatus, q.contractTerminationWay) == ("CONTRACT_TERMINATED", "3")
    with pytest.raises(errors.ContractNotSigned):
        sbx.client.pay_apply(merchant_request_id="D3", contract_id=contract_id,
                             amount=Decimal(1), product_name="after end")
    sbx.engine.advance(2)
    envelopes = sbx.sink.envelopes()
    statuses = [e["bizStatus"] for e in envelopes if e["bizType"] == "DIRECT_DEBIT_CT"]
    assert statuses == ["CONTRACT_SIGNED", "CONTRACT_TERMINATED"]


def test_unsigned_contract_expires_and_unknown_contract_is_not_found(sbx):
    sbx.client.create_contract(merchant_contract_code="CT2", service_name="Gym",
                               scenario_code="Membership", single_upper_limit=Decimal("5"))
    sbx.engine.advance(3601)
    assert sbx.client.query_contract(merchant_contract_code="CT2").bizStatus == "CONTRACT_EXPIRED"
    with pytest.raises(errors.ContractNotFound):
        sbx.client.query_contract(contract_id="123")


def test_pre_debit_notice_has_a_24h_frozen_period(sbx):
    contract_id = sbx.signed_contract("PER1", periodic=True)
    notice = sbx.client.pay_notify(merchant_request_id="N1", contract_id=contract_id,
                                   estimated_amount=Decimal("20"))
    with pytest.raises(errors.InvalidOrderStatus):
        sbx.client.pay_apply(merchant_request_id="P1", contract_id=contract_id,
                             amount=Decimal("20"), product_name="x", pre_biz_id=notice.orderId)
    sbx.engine.advance(24 * 3600)
    r = sbx.client.pay_apply(merchant_request_id="P1", contract_id=contract_id,
                             amount=Decimal("20"), product_name="x", pre_biz_id=notice.orderId)
    assert r.status == "PROCESSING"


def test_wallet_balance_lists_every_asset(sbx):
    r = sbx.client.wallet_balance(wallet="FUNDING_WALLET")
    assets = {b.asset: b for b in r.balance}
    assert assets["USDT"].available == Decimal("10000")
    assert assets["BNB"].availableFiatValuation == Decimal("12000")
    spot = sbx.client.wallet_balance(wallet="SPOT_WALLET", currency="USDT")
    assert spot.balance[0].available == 0
    with pytest.raises(errors.InvalidParamWrongValue):
        sbx.client.wallet_balance(wallet="PIGGY_BANK")


def test_certificates_publish_the_webhook_key(sbx):
    [cert] = sbx.client.certificates()
    assert cert.certSerial == sbx.engine.certificate["certSerial"]
    assert cert.certPublic.startswith("-----BEGIN PUBLIC KEY-----")


def test_download_report_is_built_from_the_ledger(sbx):
    prepay = sbx.paid_order("REPORT1", "10")
    sbx.client.refund(refund_request_id="REP1", prepay_id=prepay, refund_amount=Decimal("2"))
    files = sbx.client.download_report(report_type="Transaction", transaction_type="Payment",
                                       start_date=date(2023, 11, 1), end_date=date(2023, 11, 30))
    assert [f.transactionDate for f in files] == ["14/11/2023"]
    text = sbx.client.fetch_report_file(files[0].downloadUrl).decode()
    assert f",PAYMENT,FUNDING_WALLET,USDT,10.00000000,{prepay},REPORT1" in text
    assert ",REFUND,FUNDING_WALLET,USDT,-2.00000000," in text
    settlement = sbx.client.download_report(report_type="Settlement",
                                            start_date=date(2023, 11, 14),
                                            end_date=date(2023, 11, 14))
    assert sorted(f.transactionType for f in settlement) == ["Payment", "Refund"]
    with pytest.raises(errors.InvalidParamWrongValue):
        sbx.client.download_report(report_type="Transaction", transaction_type="Payment",
                                   start_date=date(2023, 1, 1), end_date=date(2023, 12, 1))
