"""Bulk debits from a CSV/XLSX: contract (its contract code or provider contract ID), amount, product.
Each line is checked with the same rules as debit-now (and findings say exactly why not);
applying it calls `services.mandates.debits.debit_now` per line, under each mandate's lock."""

from __future__ import annotations

import hashlib

from sqlmodel import select

from data.models import Mandate
from services.mandates import debits
from services.core.access import Actor
from services.core.context import Services
from services.files.bulk import BulkPreview, BulkResult, finish, parse_amount, read_table
from services.core.errors import PayDeskError
from services.core.refusals import require

ALIASES = {
    # Binance's own column names are accepted too: merchants paste exports from its portal.
    "contract": "contract", "merchantcontractcode": "contract", "contractid": "contract",
    "contractcode": "contract", "providercontractid": "contract",
    "mandate": "contract",
    "amount": "amount", "debitamount": "amount",
    "product": "product", "productname": "product", "description": "product",
}
TEMPLATE = "contract_code,amount,product\r\nMC123,19.99,Pro plan March\r\n"


def _find(session, ref: str) -> Mandate | None:  # type: ignore[no-untyped-def]
    for condition in (Mandate.merchant_contract_code == ref, Mandate.contract_id == ref):
        found = session.exec(select(Mandate).where(condition)).first()
        if found is not None:
            return found
    return None


def preview(services: Services, actor: Actor, data: bytes,
            file_name: str | None = None, *, sheet: str | None = None) -> BulkPreview:
    require(services, actor, "debit.request")
    _, out, rows = read_table(data, file_name, ALIASES,
                              (("contract",), ("amount",), ("product",)), sheet=sheet)
    planned: dict[int, dict[str, object]] = {}
    seen: dict[int, int] = {}
    now = services.now()
    # A line the reader refused (a control character, a cell too long) is refused whatever
    # else it holds, and its values are never looked up: PostgreSQL refuses a NUL even as a
    # query parameter, which failed the whole preview.
    refused_by_reader = set(out.bad_lines)
    with services.uow() as uow:
        for line, values in rows:
            if line in refused_by_reader:
                continue
            ref, amount_text = values.get("contract", ""), values.get("amount", "")
            product = values.get("product", "")
            if not ref:
                out.error(line, "contract", ref, "missing_contract",
                          "write the contract code or the provider's contract ID")
                continue
            mandate = _find(uow.session, ref)
            if mandate is None or mandate.id is None:
                out.error(line, "contract", ref, "unknown_contract", "no mandate with this code")
                continue
            if not product or len(product) > debits.PRODUCT_MAX:
                out.error(line, "product", product, "bad_product",
                          f"name what is debited (1 to {debits.PRODUCT_MAX} characters)")
            amount, code, message = parse_amount(amount_text, mandate.currency)
            if amount is None:
                out.error(line, "amount", amount_text, code, message)
                continue
            if amount <= 0:
                out.error(line, "amount", amount_text, "not_positive",
                          "the amount must be above 0")
                continue
            if mandate.id in seen:
                out.error(line, "contract", ref, "repeated_contract",
                          f"line {seen[mandate.id]} already debits this contract; a contract "
                          "takes one debit at a time")
                continue
            try:
                debits.check_debit(services, uow, mandate, amount, now)
            except PayDeskError as error:
                column = "amount" if "amount" in str(error) or "limit" in str(error) else (
                    "contract")
                out.error(line, column, amount_text if column == "amount" else ref,
                          "refused", str(error))
                continue
            seen[mandate.id] = line
            planned[line] = {"contract": mandate.merchant_contract_code, "amount": amount,
                             "currency": mandate.currency, "product": product,
                             "limit": mandate.single_upper_limit}
    return finish(out, rows, planned)


def _line_token(request_token: str, line: int) -> str:
    # Fixed length whatever the caller's token is, so it always fits the 64-character column.
    return hashlib.sha256(f"{request_token}\x00{line}".encode()).hexdigest()


def apply(services: Services, actor: Actor, checked: BulkPreview, *,
          request_token: str | None = None) -> list[BulkResult]:
    """`request_token` names this submission of the file: applying it again (a double click, a
    retry after a lost page) answers each line with the debit it already made."""
    require(services, actor, "debit.request")
    results = []
    for item in checked.lines:
        plan = item.planned
        try:
            outcome = debits.debit_now(
                services, actor, mandate_ref=str(plan["contract"]),
                amount=plan["amount"],  # type: ignore[arg-type]
                product_name=str(plan["product"]),
                request_token=_line_token(request_token, item.line) if request_token else None)
            results.append(BulkResult(item.line, str(plan["contract"]), outcome.status,
                                      outcome.message))
        except PayDeskError as error:
            results.append(BulkResult(item.line, str(plan["contract"]), "REFUSED", str(error)))
    return results
