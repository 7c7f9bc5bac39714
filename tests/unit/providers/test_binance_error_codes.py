"""Every result code in the reference maps to a typed error with the right neutral parent."""

from __future__ import annotations

import pickle

import pytest

from services.providers import errors as neutral
from services.providers.binance_pay import errors

EXPECTED = {
    "400000": neutral.TransientServerError,
    "400001": neutral.InvalidRequestError,
    "400002": neutral.SignatureError,
    "400003": neutral.TimestampError,
    "400004": neutral.AuthenticationError,
    "400005": neutral.AuthenticationError,
    "400006": neutral.InvalidRequestError,
    "400007": neutral.InvalidRequestError,
    "400008": neutral.InvalidRequestError,
    "400100": neutral.InvalidParameterError,
    "400101": neutral.InvalidParameterError,
    "400102": neutral.InvalidParameterError,
    "400103": neutral.InvalidParameterError,
    "400104": neutral.InvalidRequestError,
    "400201": neutral.DuplicateRequestError,
    "400202": neutral.NotFoundError,
    "400203": neutral.AuthenticationError,
    "400204": neutral.InvalidStatusError,
    "400205": neutral.DuplicateRequestError,
    "400206": neutral.NotFoundError,
    "400301": neutral.NotFoundError,
    "400302": neutral.InvalidStatusError,
    "400303": neutral.InvalidParameterError,
    "400304": neutral.InsufficientBalanceError,
    "400606": neutral.AuthenticationError,
    "406207": neutral.NotFoundError,
    "406212": neutral.InvalidStatusError,
    "100001001": neutral.InvalidRequestError,
}


@pytest.mark.parametrize(("code", "parent"), sorted(EXPECTED.items()))
def test_code_maps_to_typed_error(code, parent):
    err = errors.error_for_code(code, "msg", http_status=400, merchant_request_id="M1")
    assert isinstance(err, errors.BinancePayError)
    assert isinstance(err, parent)
    assert type(err) is errors.CODE_TO_ERROR[code]
    assert (err.code, err.http_status, err.merchant_request_id) == (code, 400, "M1")
    assert err.provider == "binance_pay"


def test_every_mapped_code_is_covered_here():
    assert set(errors.CODE_TO_ERROR) == set(EXPECTED)


def test_unknown_code_leaves_the_outcome_unknown():
    # Taken as a refusal, an unreadable code let a refund be marked FAIL and refunded twice.
    err = errors.error_for_code("499999", "")
    assert type(err) is errors.UnmappedCode
    assert not err.retryable and err.outcome_unknown


@pytest.mark.parametrize("code", ["400304", "400102", "400204", "499999"])
def test_any_answer_with_http_5xx_leaves_the_outcome_unknown(code):
    assert errors.error_for_code(code, "x", http_status=500).outcome_unknown
    assert errors.error_for_code(code, "x", http_status=503).outcome_unknown


def test_a_refusal_with_http_4xx_is_a_known_outcome():
    assert not errors.error_for_code("400304", "x", http_status=400).outcome_unknown


def test_a_taken_merchant_id_means_look_it_up():
    err = errors.error_for_code("400102", "requestId was already used with other parameters")
    assert isinstance(err, neutral.DuplicateRequestError)
    assert isinstance(err, errors.InvalidParamWrongValue)
    assert err.outcome_unknown
    plain = errors.error_for_code("400102", "amount must be positive")
    assert type(plain) is errors.InvalidParamWrongValue and not plain.outcome_unknown


def test_only_400000_and_400003_are_retried_automatically():
    assert errors.RETRYABLE_CODES == {"400000", "400003"}


def test_unknown_outcome_tells_the_caller_to_reuse_the_id():
    err = errors.UnknownOutcome("timeout", merchant_request_id="R1")
    assert isinstance(err, neutral.UnknownOutcomeError)
    assert err.outcome_unknown and "R1" in str(err)
    assert not errors.Unreachable("down").outcome_unknown


@pytest.mark.parametrize("code", ["400002", "400304", "400000"])
def test_errors_survive_pickling(code):
    err = errors.error_for_code(code, "boom", http_status=400, merchant_request_id="X")
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is type(err)
    assert (copy.code, copy.message, copy.merchant_request_id) == (code, "boom", "X")


def test_an_unknown_outcome_survives_pickling():
    err = errors.error_for_code("400304", "boom", http_status=502)
    assert pickle.loads(pickle.dumps(err)).outcome_unknown
