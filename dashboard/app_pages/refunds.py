"""Refunds."""

from dashboard.components.chrome import not_built_yet

not_built_yet("Refunds", "The refunds list")
