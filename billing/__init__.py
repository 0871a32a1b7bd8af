"""Billing: monthly finalization of the dbt draft lines into immutable invoices (DESIGN 3.3), late-usage
adjustments and credit notes, Stripe sync with idempotency keys, webhook events and partner payouts.

The rating itself is dbt's (``marts.fct_invoice_lines``); this package only freezes, numbers and sends it.
"""
