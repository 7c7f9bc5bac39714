"""Send each new alert once by e-mail and/or to a chat webhook, only where configured.

Run by the worker (`paydesk sync --loop`, `paydesk reports run`). An alert is claimed by a
conditional UPDATE before anything is sent, so two workers never send it twice; what happened
(sent, refused, not configured) is kept on the alert. The app shows every alert regardless.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import httpx
from sqlalchemy import update
from sqlmodel import col, select

from data.models import Alert
from services.core.context import Services
from services.core.config import Settings

TIMEOUT_SECONDS = 10


def recipients(settings: Settings) -> list[str]:
    return [a.strip() for a in settings.alert_emails.split(",") if a.strip()]


def _mail(settings: Settings, alert: Alert) -> str:
    to = recipients(settings)
    if not settings.smtp_host or not to:
        return ""
    message = EmailMessage()
    message["From"] = settings.alert_email_from
    message["To"] = ", ".join(to)
    message["Subject"] = f"PayDesk: {alert.kind} {alert.item_ref} failed"
    message.set_content(f"{alert.message}\n\nOpen PayDesk's Inbox to act on it.")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                          timeout=TIMEOUT_SECONDS) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        return f"e-mail failed: {error}"
    return f"e-mailed to {', '.join(to)}"


def _post(settings: Settings, alert: Alert) -> str:
    if not settings.alert_webhook_url:
        return ""
    try:
        answer = httpx.post(settings.alert_webhook_url, json={"text": f"PayDesk: {alert.message}"},
                            timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
    except httpx.HTTPError as error:
        return f"chat webhook failed: {error}"
    return "posted to the chat webhook"


def deliver(services: Services) -> int:
    """Send every alert not yet handled; returns how many this worker claimed."""
    settings = services.settings
    with services.uow() as uow:
        pending = [a.id for a in uow.session.exec(
            select(Alert).where(col(Alert.delivered_at).is_(None))).all()]
    claimed = 0
    for alert_id in pending:
        now = services.now()
        with services.uow() as uow:
            taken = uow.session.exec(
                update(Alert).where(col(Alert.id) == alert_id, col(Alert.delivered_at).is_(None))
                .values(delivered_at=now))
            uow.commit()
            if taken.rowcount != 1:
                continue  # another worker has it
            alert = uow.session.get(Alert, alert_id)
            assert alert is not None
            uow.session.expunge(alert)
        claimed += 1
        notes = [n for n in (_mail(settings, alert), _post(settings, alert)) if n]
        note = "; ".join(notes) or "shown in the app only (no e-mail or chat webhook configured)"
        with services.uow() as uow:
            uow.session.exec(update(Alert).where(col(Alert.id) == alert_id)
                             .values(delivery_note=note[:512]))
            uow.commit()
    return claimed
