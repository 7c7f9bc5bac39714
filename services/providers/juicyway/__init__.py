"""Juicyway: Binance Pay captured through Juicyway payment sessions (reference/providers.md
part B). Knows nothing of the store; the core will reach it through the provider port."""
