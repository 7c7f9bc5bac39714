"""Payouts."""

from dashboard.components.chrome import not_built_yet

not_built_yet("Payouts", "Batch payouts from a file")
