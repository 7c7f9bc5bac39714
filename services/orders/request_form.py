"""What a payment request may ask of a provider (its terms, from the capabilities) and the checks
of the request form, field by field, before anything is stored or sent."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from services.core.context import Services
from services.core.errors import InputError, MoneyError
from services.core.money import positive_amount
from services.providers.capabilities import PayerField

#: Which currencies and how long an unpaid order may live are the chosen provider's
#: capabilities (``payment_terms``); an expiry past the provider's longest is refused up front.
EXPIRY_MINUTES_DEFAULT = 15
PRODUCT_MAX = 256
EMAIL_MAX = 254
NAME_MAX = 100
_PAYER_ORDER = (PayerField.FIRST_NAME, PayerField.LAST_NAME, PayerField.EMAIL,
                PayerField.PHONE_NUMBER, PayerField.COUNTRY)
#: The form's field for each payer detail a provider may need (the e-mail is always asked).
PAYER_FORM_FIELDS = {PayerField.FIRST_NAME: "customer_first_name",
                     PayerField.LAST_NAME: "customer_last_name",
                     PayerField.EMAIL: "customer_email",
                     PayerField.PHONE_NUMBER: "customer_phone",
                     PayerField.COUNTRY: "customer_country"}
# Names as payment providers take them: letters of any script (with their marks), spaces,
# hyphens and apostrophes.
_NAME_PUNCTUATION = frozenset(" -'")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# goodsName refuses backslashes, double quotes and emoji; refusing here names the field.
_BAD_PRODUCT = re.compile(r'[\\"\U00010000-\U0010FFFF]')


@dataclass(frozen=True)
class PaymentTerms:
    """What a payment request may ask of a provider, from its capabilities."""

    provider: str
    title: str
    currencies: tuple[str, ...]
    expiry_minutes_max: int
    #: The settings' default expiry, within this provider's longest.
    expiry_minutes_default: int
    #: What the provider must be told about the payer up front, in the form's order (the form
    #: fields are ``PAYER_FORM_FIELDS``); empty when the payer identifies themselves at checkout.
    payer_fields: tuple[PayerField, ...] = ()
    #: Decimal places the provider takes for each of ``currencies``.
    decimals: Mapping[str, int] = field(default_factory=dict)

    @property
    def needs_payer(self) -> bool:
        return bool(self.payer_fields)

    def asks(self, form_field: str) -> bool:
        """True when the form must ask ``form_field`` (a ``PAYER_FORM_FIELDS`` value)."""
        return any(PAYER_FORM_FIELDS[f] == form_field for f in self.payer_fields)

    @property
    def expiry_rule(self) -> str:
        return (f"{self.title} ends an unpaid payment after at most "
                f"{_minutes_in_words(self.expiry_minutes_max)}")


def _minutes_in_words(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return "an hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def payment_terms(services: Services, provider: str | None = None) -> PaymentTerms:
    """The terms of ``provider`` (the default provider for None); NotFoundError when it is not
    enabled here."""
    caps = services.capabilities_for(provider)
    longest = caps.max_payment_expiry or caps.default_payment_expiry
    expiry_max = max(1, int(longest.total_seconds() // 60))
    # Crypto first in the provider's own order; a long fiat list sorted.
    currencies = tuple(caps.payment_currencies)
    if len(currencies) > 12:
        currencies = tuple(sorted(currencies))
    return PaymentTerms(caps.provider, caps.title, currencies, expiry_max,
                        min(services.settings.payment_request_expiry_minutes, expiry_max),
                        tuple(f for f in _PAYER_ORDER if f in caps.payer_fields),
                        dict(caps.payment_currencies))


def enabled_payment_providers(services: Services) -> list[PaymentTerms]:
    """Every enabled provider's terms, the default first (for the page's choice)."""
    registry = services.providers
    names = [registry.default_name, *(n for n in registry.names if n != registry.default_name)]
    return [payment_terms(services, name) for name in names]


class PaymentRequestInvalid(InputError):
    """Every problem with the form at once, by field, so the page can mark each input."""

    def __init__(self, problems: dict[str, str]) -> None:
        first = next(iter(problems))
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()), field=first)
        self.problems = problems

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ValidRequest:
    """The form after ``validate``: exact amount, currency code, trimmed texts."""

    amount: Decimal
    currency: str
    product: str
    customer_email: str
    expiry_minutes: int
    customer_first_name: str | None = None
    customer_last_name: str | None = None
    customer_phone: str | None = None
    customer_country: str | None = None


def validate(*, amount: object, currency: str, product: str, customer_email: str,
             expiry_minutes: object, terms: PaymentTerms, customer_first_name: str = "",
             customer_last_name: str = "", customer_phone: str = "",
             customer_country: str = "") -> ValidRequest:
    """The form, checked field by field against the chosen provider's ``terms``; raises
    PaymentRequestInvalid naming every bad field. The payer's name, phone and country are
    checked (and kept) only when ``terms`` says the provider needs them."""
    problems: dict[str, str] = {}
    code = (currency or "").strip().upper()
    value: Decimal | None = None
    if code not in terms.currencies:
        listed = ", ".join(terms.currencies[:12]) + (", ..." if len(terms.currencies) > 12
                                                      else "")
        problems["currency"] = f"{terms.title} takes {listed}; choose one of those"
    else:
        try:
            value = positive_amount("" if amount is None else amount, code,
                                    places=terms.decimals.get(code))
        except MoneyError as error:
            problems["amount"] = error.message
    name = (product or "").strip()
    if not name:
        problems["product"] = "say what the customer pays for"
    elif len(name) > PRODUCT_MAX:
        problems["product"] = f"keep it under {PRODUCT_MAX} characters"
    elif _BAD_PRODUCT.search(name):
        problems["product"] = "payment providers refuse backslashes, double quotes and emoji here"
    email = (customer_email or "").strip()
    if not email:
        problems["customer_email"] = "enter the customer's email address"
    elif len(email) > EMAIL_MAX or not _EMAIL.match(email):
        problems["customer_email"] = f"'{email}' is not an email address"
    first = last = phone = country = None
    if terms.asks("customer_first_name"):
        first = _person_name(customer_first_name, "first", terms, problems,
                             "customer_first_name")
    if terms.asks("customer_last_name"):
        last = _person_name(customer_last_name, "last", terms, problems, "customer_last_name")
    if terms.asks("customer_phone"):
        phone = _PHONE_SEPARATORS.sub("", customer_phone or "")
        if phone.startswith("00"):
            phone = "+" + phone[2:]
        if not phone:
            problems["customer_phone"] = (f"enter the customer's phone number: {terms.title} "
                                          "needs it to create the payment")
        elif not _E164.match(phone):
            problems["customer_phone"] = (f"'{customer_phone.strip()}' is not an international "
                                          "number; write + and the country code first, e.g. "
                                          "+2348012345678")
    if terms.asks("customer_country"):
        country = (customer_country or "").strip().upper()
        if not country:
            problems["customer_country"] = (f"enter the customer's country: {terms.title} "
                                            "needs it to create the payment")
        elif not _COUNTRY.match(country):
            problems["customer_country"] = (f"'{customer_country.strip()}' is not a country "
                                            "code; use the two letters of ISO 3166, e.g. NG, "
                                            "US, CA")
    minutes = 0
    try:
        minutes = int(str(expiry_minutes).strip())
    except ValueError:
        problems["expiry_minutes"] = "enter whole minutes"
    else:
        if not 1 <= minutes <= terms.expiry_minutes_max:
            problems["expiry_minutes"] = (f"between 1 and {terms.expiry_minutes_max} minutes "
                                          f"({terms.expiry_rule})")
    if problems:
        raise PaymentRequestInvalid(problems)
    assert value is not None
    return ValidRequest(value, code, name, email, minutes, first, last, phone, country)


def _person_name(raw: str, which: str, terms: PaymentTerms, problems: dict[str, str],
                 form_field: str) -> str | None:
    text = unicodedata.normalize("NFC", " ".join((raw or "").split())).replace("\u2019", "'")
    if not text:
        problems[form_field] = (f"enter the customer's {which} name: {terms.title} needs it to "
                           "create the payment")
    elif len(text) > NAME_MAX:
        problems[form_field] = f"keep the {which} name under {NAME_MAX} characters"
    elif not all(ch.isalpha() or ch in _NAME_PUNCTUATION
                 or unicodedata.category(ch).startswith("M") for ch in text):
        problems[form_field] = (f"'{text}': use letters, spaces, hyphens and apostrophes only "
                           f"({terms.title} refuses digits and other signs in names)")
    else:
        return text
    return None
