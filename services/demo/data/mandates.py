"""Direct Debit mandates (contracts) and the debits collected while each one was signed."""

from __future__ import annotations

import numpy as np

from data.bulk import NULL_INT
from services.demo.data import catalog as cat
from services.demo.data.identifiers import as_text, day_stamps, email_pool, unique_numbers
from services.demo.data.tables import Columns, objects
from services.demo.data.timeline import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    US_PER_SECOND,
    Window,
    from_us,
    seasonal_times,
    to_us,
)

CONTRACT_DAYS = 1095  # Binance's default and maximum contract length
SIGN_REQUEST_HOURS = 24
DEBIT_FAIL_SHARE = 0.07
FEE_BP = 90
_CENT = 10**6  # one hundredth in the scaled-by-10**8 money form


def mandate_count(orders: int) -> int:
    return 0 if orders <= 0 else int(6 + 0.2 * orders**0.5)


def _month_later(micros: int, months: int) -> int:
    moment = from_us(micros)
    month = moment.month - 1 + months
    return to_us(moment.replace(year=moment.year + month // 12, month=month % 12 + 1))


def generate_mandates(
    rng: np.random.Generator, window: Window, count: int
) -> tuple[Columns, Columns]:
    created = seasonal_times(rng, count, window, growth=False)
    service = rng.integers(0, len(cat.MANDATE_SERVICES), count)
    periodic = rng.random(count) < 0.65
    monthly = rng.random(count) < 0.8
    day_cycle = rng.choice([14, 30], count)
    usdc = rng.random(count) < 0.2
    sign_delay = rng.integers(US_PER_MINUTE, 6 * US_PER_HOUR, count)
    signed_at = created + np.minimum(sign_delay, (window.cutoff_us - created) // 2)
    never_signed = rng.random(count) < 0.12
    recent = window.live & (created > window.now_us - SIGN_REQUEST_HOURS * US_PER_HOUR)
    initial = recent & (rng.random(count) < 0.5)
    terminate = rng.random(count) < 0.22
    terminated_at = signed_at + (
        (window.cutoff_us - signed_at) * rng.uniform(0.2, 0.95, count)
    ).astype(np.int64)
    way = rng.integers(0, len(cat.TERMINATION_WAYS), count)
    limit_step = rng.integers(0, 2, count)
    customers = email_pool(rng, count + 10)
    contract_ids = as_text(unique_numbers(rng, count, 10**17, 10**18))
    open_ids = rng.integers(0, 2**62, count)

    mandates: dict[str, list[object]] = {
        name: []
        for name in (
            "merchant_contract_code",
            "contract_id",
            "customer_email",
            "open_user_id",
            "service_name",
            "scenario_code",
            "single_upper_limit",
            "currency",
            "periodic",
            "cycle_type",
            "cycle_value",
            "first_deduct_at",
            "next_debit_at",
            "status",
            "termination_way",
            "termination_notes",
            "terminated_at",
            "signed_at",
            "expires_at",
            "updated_at",
        )
    }
    debits: list[tuple[int, int, int, str, str]] = []  # mandate, time, amount, currency, product
    stamps = day_stamps(created).tolist()
    for i in range(count):
        name, scenario, price_text = cat.MANDATE_SERVICES[service[i]]
        price = int(price_text) * 10**8
        currency = "USDC" if usdc[i] else "USDT"
        if periodic[i]:
            fitting = [int(v) * 10**8 for v in cat.MANDATE_LIMITS if int(v) * 10**8 >= price]
            limit = fitting[min(limit_step[i], len(fitting) - 1)] if fitting else price
        else:
            limit = int(cat.MANDATE_LIMITS[rng.integers(0, len(cat.MANDATE_LIMITS))]) * 10**8
        if initial[i]:
            status, signed, ended = "INITIAL", NULL_INT, NULL_INT
        elif never_signed[i] and not recent[i]:
            status, signed, ended = "EXPIRED", NULL_INT, NULL_INT
        elif terminate[i] and not recent[i]:
            status, signed, ended = "TERMINATED", int(signed_at[i]), int(terminated_at[i])
        else:
            status, signed, ended = "SIGNED", int(signed_at[i]), NULL_INT
        is_signed = signed != NULL_INT
        cycle_type = ("MONTH" if monthly[i] else "DAY") if periodic[i] else None
        cycle_value = (1 if monthly[i] else int(day_cycle[i])) if periodic[i] else None
        first_deduct = NULL_INT
        next_debit = NULL_INT
        if periodic[i] and is_signed:
            first_deduct = (signed // US_PER_DAY + 1) * US_PER_DAY + 9 * US_PER_HOUR
            if monthly[i] and from_us(first_deduct).day > 28:
                # Binance refuses a monthly first deduction after the 28th (short months).
                first_deduct = to_us(from_us(first_deduct).replace(day=28))
            stop = ended if ended != NULL_INT else window.cutoff_us
            when, k = first_deduct, 0
            while when < stop:
                jittered = when + int(rng.integers(0, 20 * US_PER_MINUTE))
                if jittered < stop:
                    debits.append((i, jittered, price, currency, name))
                k += 1
                when = (
                    _month_later(first_deduct, k)
                    if monthly[i]
                    else first_deduct + k * cycle_value * US_PER_DAY
                )  # type: ignore[operator]
            next_debit = when if status == "SIGNED" else NULL_INT
        elif is_signed:
            stop = ended if ended != NULL_INT else window.cutoff_us
            active_days = (stop - signed) / US_PER_DAY
            for when in np.sort(
                rng.integers(
                    signed + US_PER_HOUR,
                    max(stop, signed + 2 * US_PER_HOUR),
                    rng.poisson(active_days / 9.0),
                )
            ).tolist():
                cents = int(rng.integers(100, limit // _CENT + 1))
                if when < stop:
                    debits.append((i, when, cents * _CENT, currency, name))
        terminated_way, notes = (
            cat.TERMINATION_WAYS[way[i]] if status == "TERMINATED" else (None, None)
        )
        unsigned_expiry = int(created[i]) + SIGN_REQUEST_HOURS * US_PER_HOUR
        values = {
            "merchant_contract_code": f"MC{stamps[i]}{i + 1:06d}",
            "contract_id": contract_ids[i] if is_signed else None,
            "customer_email": customers[i],
            "open_user_id": f"{open_ids[i]:016x}" if is_signed else None,
            "service_name": name,
            "scenario_code": scenario,
            "single_upper_limit": limit,
            "currency": currency,
            "periodic": bool(periodic[i]),
            "cycle_type": cycle_type,
            "cycle_value": NULL_INT if cycle_value is None else cycle_value,
            "first_deduct_at": first_deduct,
            "next_debit_at": next_debit,
            "status": status,
            "termination_way": terminated_way,
            "termination_notes": notes,
            "terminated_at": ended,
            "signed_at": signed,
            "expires_at": (signed + CONTRACT_DAYS * US_PER_DAY) if is_signed else unsigned_expiry,
            "updated_at": max(v for v in (int(created[i]), signed, ended) if v != NULL_INT),
        }
        for key, value in values.items():
            mandates[key].append(value)
    columns: Columns = {"id": np.arange(1, count + 1, dtype=np.int64)}
    for key, values_list in mandates.items():
        sample = next((v for v in values_list if v is not None), None)
        if isinstance(sample, bool):
            columns[key] = np.array(values_list, dtype=bool)
        elif isinstance(sample, int):
            columns[key] = np.array(values_list, dtype=np.int64)
        else:
            columns[key] = objects(values_list)
    columns["provider"] = np.full(count, cat.PROVIDER, dtype=object)
    columns["created_at"] = created
    return columns, _debit_columns(rng, window, debits)


def _debit_columns(
    rng: np.random.Generator, window: Window, debits: list[tuple[int, int, int, str, str]]
) -> Columns:
    debits.sort(key=lambda row: (row[1], row[0]))
    n = len(debits)
    mandate = np.array([row[0] for row in debits], dtype=np.int64)
    created = np.array([row[1] for row in debits], dtype=np.int64)
    amount = np.array([row[2] for row in debits], dtype=np.int64)
    failed = rng.random(n) < DEBIT_FAIL_SHARE
    completed = np.minimum(
        created + rng.integers(3 * US_PER_SECOND, 5 * US_PER_MINUTE, n), window.now_us
    )
    error = rng.integers(0, len(cat.DEBIT_FAIL), n)
    months = np.datetime_as_string(created.astype("datetime64[us]"), unit="M").tolist()
    stamps = day_stamps(created).tolist()
    return {
        "id": np.arange(1, n + 1, dtype=np.int64),
        "mandate_id": mandate + 1,
        "merchant_request_id": objects([f"DD{s}{i:07d}" for i, s in enumerate(stamps, start=1)]),
        "provider_pay_id": as_text(unique_numbers(rng, n, 10**17, 10**18)),
        "amount": amount,
        "currency": objects([row[3] for row in debits]),
        "product_name": objects([f"{row[4]} {m}" for row, m in zip(debits, months, strict=True)]),
        "status": np.where(failed, "FAIL", "SUCCESS").astype(object),
        "fee": np.where(failed, NULL_INT, amount // _CENT * FEE_BP // 10_000 * _CENT),
        "error_code": np.where(
            failed, np.array([c for c, _ in cat.DEBIT_FAIL], dtype=object)[error], None
        ),
        "error_message": np.where(
            failed, np.array([m for _, m in cat.DEBIT_FAIL], dtype=object)[error], None
        ),
        "created_at": created,
        "updated_at": completed,
        "completed_at": completed,
    }
