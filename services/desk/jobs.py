"""The finance desk's background work, run by every worker pass.

Alerts for new failures, their e-mail/webhook delivery where configured, and the scheduled reports
that are due. `paydesk sync` runs this after each pass; `paydesk reports run` runs only this.
"""

from __future__ import annotations

from services.desk import alert_delivery
from services.desk import alerts
from services.desk import scheduled_reports as reports
from services.core import runtime_settings
from services.core.context import Services


def run_desk_jobs(services: Services) -> str:
    # An admin may have changed the time zone or alert recipients since the last pass.
    runtime_settings.apply(services)
    new = alerts.collect(services)
    handled = alert_delivery.deliver(services)
    written = reports.run_due(services)
    failed = sum(r.status == reports.FAILED for r in written)
    return (f"alerts: {new} new, {handled} delivered; reports: {len(written) - failed} written"
            + (f", {failed} failed" if failed else ""))
