"""Sandbox only, on SQLite and PostgreSQL: the customer's signature of a new contract can be
simulated, and the contract is signed in PayDesk right after; a signed contract is refused."""

from __future__ import annotations

import pytest

from services.mandates import contracts as mandates
from services.entrypoints.bootstrap import Services
from services.core.errors import ConflictError, PermissionDeniedError
from tests.integration.money_helpers import staff


def test_simulating_the_customer_signing_signs_the_contract(services: Services) -> None:
    people = staff(services)
    created = mandates.create_contract(services, people["olga"], mandates.ContractRequest(
        customer_email="new@example.com", service_name="Music", single_upper_limit="15",
        currency="USDT"))
    assert created.status == "INITIAL"
    with pytest.raises(PermissionDeniedError):
        mandates.simulate_customer_signing(services, people["vic"], created.id)
    signed = mandates.simulate_customer_signing(services, people["olga"], created.id)
    assert signed.status == "SIGNED" and signed.contract_id and signed.signed_at
    with pytest.raises(ConflictError, match="not waiting for a signature"):
        mandates.simulate_customer_signing(services, people["olga"], created.id)
