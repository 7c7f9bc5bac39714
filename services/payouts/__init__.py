"""Batch payouts from a file: read it, validate every line, plan the provider batches.

    result = validate_payout_file(data, file_name=name, rules=PayoutRules.from_settings(s),
                                  history=history, now=now)
    result.findings            # sorted Findings; result.has_errors
    result.totals()            # per currency, over the lines without errors
    plan_batches(result.instructions(), upload_ref=new_upload_ref())

After validation (pure, except store_history.py, which reads earlier payouts from the store):
drafts.py saves an upload as DRAFT batches, approval.py runs the four-eyes submit/approve/
reject, sending.py sends approved batches under their stored requestIds, following.py records
what the provider says (webhooks and the sync job: services/payouts/events.py), views.py is
what the page reads; states.py names every status and which moves are allowed.
The file format is described for people in FORMAT.md.
"""
