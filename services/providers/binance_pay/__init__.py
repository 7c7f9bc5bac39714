"""Binance Pay: signed client, wire models, error mapping, webhooks and a local sandbox."""

from .auth import BinancePaySignature
from .client import BinancePayClient
from .endpoints import PRODUCTION_BASE_URL
from .provider import BinancePayProvider

__all__ = ["BinancePayClient", "BinancePayProvider", "BinancePaySignature", "PRODUCTION_BASE_URL"]
