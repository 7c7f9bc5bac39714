"""Batch payouts from a file: read it, validate every line, plan the provider batches.

    result = validate_payout_file(data, file_name=name, rules=PayoutRules.from_settings(s),
                                  history=history, now=now)
    result.findings            # sorted Findings; result.has_errors
    result.totals()            # per currency, over the lines without errors
    plan_batches(result.instructions(), upload_ref=new_upload_ref())

Everything here is pure except store_history.py, which reads earlier payouts from the store.
The file format is described for people in FORMAT.md.
"""
