"""Payment Page links: the official MS1 vector, and the encrypted form of providers.md §8.2."""

from __future__ import annotations

import base64
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest

from services.providers.monetix import payment_page as pp
from services.providers.monetix.signature import verify

JAVA_PARAMS = {
    "project_id": "123",
    "payment_id": "test_payment",
    "account_token": "qwerty",
    "interface_type": '{"id": 21}',
    "best_before": "2200-12-12T12:12:12+03:00",
}
JAVA_URL = (
    "https://paymentpage.trxhost.com/payment?project_id=123&payment_id=test_payment"
    "&account_token=qwerty&interface_type=%7B%22id%22%3A+21%7D"
    "&best_before=2200-12-12T12%3A12%3A12%2B03%3A00"
    "&signature=Isx3ivYhho57twVTh943HLLger8nUAxu8599dbieXVnbQHgl5FJ%2BUrMohHXUW3uZ16qBam%2F4nvxeFZUvaSF6gg%3D%3D"
)


def test_plain_url_matches_the_monetix_sdk_fixture_byte_for_byte():
    assert pp.url(JAVA_PARAMS, "qwerty") == JAVA_URL


def test_encrypted_url_vector_with_a_fixed_iv():
    link = pp.encrypt(JAVA_URL, 123, "encrypt_secret", iv=bytes(range(16)))
    prefix = "https://paymentpage.trxhost.com/123/"
    assert link.startswith(prefix)
    cipher = link[len(prefix):]
    assert cipher.startswith("REtWbTZHUHNaZUlNaDhCYmlEV1NISktjdVk5U1FR")
    # providers.md prints the tail as "...QUZFQ0F3UUZC...": one character off ("QUZF" decodes
    # to "AFE", but the IV 00..0f is "AAE..."). OpenSSL gives the tail below, as we do.
    assert cipher.endswith("PTo6QUFFQ0F3UUZCZ2NJQ1FvTERBME9Edz09")
    assert base64.b64decode(cipher).endswith(b"::AAECAwQFBgcICQoLDA0ODw==")
    plain = pp.decrypt(cipher, "encrypt_secret")
    assert plain == JAVA_URL[len("https://paymentpage.trxhost.com"):]
    assert pp.verify_query(urlsplit(plain).query, "qwerty") == JAVA_PARAMS


def test_real_links_use_a_fresh_iv_each_time():
    assert pp.encrypt(JAVA_URL, 123, "k") != pp.encrypt(JAVA_URL, 123, "k")


def test_decrypting_with_the_wrong_key_fails_in_words():
    cipher = pp.encrypt(JAVA_URL, 123, "encrypt_secret").rsplit("/", 1)[1]
    with pytest.raises(pp.PaymentPageError):
        pp.decrypt(cipher, "another-key")


def test_keys_longer_than_aes_256_are_refused():
    with pytest.raises(pp.PaymentPageError, match="32 bytes"):
        pp.encrypt(JAVA_URL, 123, "k" * 33)


def test_binance_pay_link_preselects_the_method_and_signs_what_the_page_reads():
    params = pp.binance_pay_params(
        project_id=1234, payment_id="payment_47", amount=Decimal("100.00"), currency="EUR",
        customer_id="customer_123", first_name="John", last_name="Doe",
        email="johndoe@example.com", register_cof=True,
    )
    link = pp.url(params, "paydesk-test-secret")
    query = dict(parse_qsl(urlsplit(link).query))
    assert query["force_payment_method"] == "unify_Binance_Pay"
    assert query["payment_amount"] == "10000"
    assert query["recurring"] == '{"register":true}'
    signature = query.pop("signature")
    assert verify(query, "paydesk-test-secret", signature)


def test_unsupported_currency_and_booleans_are_refused():
    with pytest.raises(pp.PaymentPageError, match="NGN"):
        pp.binance_pay_params(project_id=1, payment_id="p", amount=Decimal(1), currency="NGN",
                              customer_id="c", first_name="a", last_name="b", email="e@x.io")
    with pytest.raises(pp.PaymentPageError, match="redirect"):
        pp.url({"project_id": 1, "redirect": True}, "s")
