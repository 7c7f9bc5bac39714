"""Mandates & debits."""

from dashboard.components.chrome import not_built_yet

not_built_yet("Mandates & debits", "Mandates and direct debits")
