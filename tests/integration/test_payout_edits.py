"""Lines fixed in PayDesk after upload are never invisible: the saved upload and its audit entry
list every changed cell (line, field, uploaded value, new value, who), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlmodel import select

from data.models import AuditEntry
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.payouts import drafts
from services.payouts.validation import LineEdit
from tests.integration.test_payout_flow import (  # noqa: F401  (staff is a fixture)
    _cheap_password_hashing,
    csv_bytes,
    staff,
)


def test_every_cell_changed_after_upload_is_recorded_with_its_uploaded_value_and_who(
    services: Services, staff: dict[str, Actor]
) -> None:
    data = csv_bytes("BINANCE_ID,354678912,25.50,USDT,ok,", "BINANCE_ID,12,1.5,USDT,typo,")
    fixed = drafts.revalidate(
        services, staff["olga"], data, file_name="pay.csv",
        # The receiver of a good line changes too: exactly what an approver must see.
        edits={3: {"receiver": "354678913"}, 2: {"receiver": "999999999", "remark": "ok"}})
    assert not fixed.has_errors
    # An edit that keeps the file's value is no change.
    assert fixed.edits == (LineEdit(2, "receiver", "354678912", "999999999"),
                           LineEdit(3, "receiver", "12", "354678913"))

    saved = drafts.save_draft(services, staff["olga"], fixed, file_name="pay.csv")
    expected = [
        {"line": 2, "field": "receiver", "uploaded": "354678912", "new": "999999999",
         "by": "olga"},
        {"line": 3, "field": "receiver", "uploaded": "12", "new": "354678913", "by": "olga"},
    ]
    assert drafts.recorded_edits(services, staff["anna"], saved.upload_ref) == expected
    with services.uow() as uow:
        detail = uow.session.exec(select(AuditEntry.detail).where(
            AuditEntry.action == drafts.DRAFT_SAVED,
            AuditEntry.target_id == saved.upload_ref)).one()
    assert json.loads(detail)["edits"] == expected


def test_an_upload_saved_without_edits_records_none(
    services: Services, staff: dict[str, Actor]
) -> None:
    result = drafts.validate_upload(services, staff["olga"],
                                    csv_bytes("BINANCE_ID,354678912,25.50,USDT,ok,"),
                                    file_name="pay.csv")
    saved = drafts.save_draft(services, staff["olga"], result, file_name="pay.csv")
    assert drafts.recorded_edits(services, staff["anna"], saved.upload_ref) == []
