"""`paydesk sandbox juicyway` serves the Juicyway sandbox over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from decimal import Decimal

import httpx

from services.providers.juicyway import server
from services.providers.juicyway.client import JuicywayClient
from services.providers.juicyway.models import Customer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_paydesk_sandbox_juicyway_answers_the_client() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "services.entrypoints.cli", "sandbox", "juicyway", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # importing the CLI is slow on a loaded machine
        while True:
            try:
                httpx.get(f"{base}/payments", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox did not start"
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                time.sleep(0.2)
        with JuicywayClient(server.SANDBOX_API_KEY, base_url=base) as client:
            created = client.create_payment_request(
                reference="CLI-1", amount=Decimal("4.20"), currency="USD",
                customer=Customer(first_name="Ada", last_name="Obi", email="a@example.com",
                                  phone_number="+2348012345678", country="NG"),
                description="Sticker pack")
            assert created.links.qr_url
            assert client.get_payment(created.provider_payment_id).amount == Decimal("4.20")
        assert httpx.get(f"{base}/payments").status_code == 401
    finally:
        process.terminate()
        process.communicate(timeout=10)  # also closes the pipe
