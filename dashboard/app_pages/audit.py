"""Audit."""

from dashboard.components.chrome import not_built_yet

not_built_yet("Audit", "The audit log")
