"""Payment requests."""

from dashboard.components.chrome import not_built_yet

not_built_yet("Payment requests", "Creating payment requests")
