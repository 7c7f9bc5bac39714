"""Orders."""

from dashboard.components.chrome import not_built_yet

not_built_yet("Orders", "The searchable order book")
