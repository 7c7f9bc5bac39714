"""`paydesk sandbox PROVIDER` takes any provider, by its CLI spelling or the registry's."""

from __future__ import annotations

import pytest

from services.entrypoints.cli import build_parser


@pytest.mark.parametrize(("given", "name"), [
    ([], "binance_pay"), (["binance-pay"], "binance_pay"), (["binance_pay"], "binance_pay"),
    (["monetix"], "monetix"), (["juicyway"], "juicyway"), (["Juicyway"], "juicyway"),
])
def test_every_provider_has_a_sandbox_command(given: list[str], name: str) -> None:
    args = build_parser().parse_args(["sandbox", *given, "--port", "9"])
    assert args.provider == name


def test_an_unknown_provider_is_refused_with_the_choices(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sandbox", "paypal"])
    assert "binance-pay, monetix, juicyway" in capsys.readouterr().err
