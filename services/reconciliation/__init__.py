"""Reconciliation: provider statements in, matching against PayDesk's ledger, runs, reports.

- statements: pull Binance Pay transaction reports or upload CSV/XLSX with a saved column mapping
- matching: pure, vectorised classification on exact scaled integers
- runs: stored runs with every item, reopen, resolve breaks (audited)
- reports: daily settlement summary, itemised reconciliation, payouts per batch, refunds
"""
