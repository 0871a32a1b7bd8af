"""DDL of the warehouse's ``raw`` schema: the contract between the loaders and dbt's sources.

Types are chosen to stay portable (DESIGN 4): ``TIMESTAMP`` holds UTC without a zone, JSON is kept
as ``VARCHAR`` text, and every quantity or amount is a ``DECIMAL`` so rating never sees a float.
"""

from __future__ import annotations

import duckdb

QUANTITY = "DECIMAL(38, 9)"
UNIT_AMOUNT = "DECIMAL(38, 12)"
AMOUNT = "DECIMAL(38, 6)"  # money already rounded to a minor unit, as the marts hold it
RISK_SCORE = "DECIMAL(9, 6)"  # governance's 0..1 score; six places keep what the scanner reports

RAW_TABLES: dict[str, str] = {
    # Usage: one row per accepted event; (tenant_id, event_id) is unique by construction of the loader.
    "usage_events": f"""
        event_id VARCHAR NOT NULL,
        tenant_id VARCHAR NOT NULL,
        metric_id VARCHAR NOT NULL,
        quantity {QUANTITY} NOT NULL,
        occurred_at TIMESTAMP NOT NULL,
        package_id VARCHAR,
        properties VARCHAR,
        batch_id VARCHAR NOT NULL,
        source_row_number BIGINT NOT NULL,
        loaded_at TIMESTAMP NOT NULL
    """,
    # Events kept out, with the reason; raw_record is the original record as text so nothing is lost.
    "usage_quarantine": """
        batch_id VARCHAR NOT NULL,
        source_row_number BIGINT NOT NULL,
        event_id VARCHAR,
        tenant_id VARCHAR,
        reason VARCHAR NOT NULL,
        detail VARCHAR,
        raw_record VARCHAR,
        quarantined_at TIMESTAMP NOT NULL
    """,
    # One reconciliation record per landed file: received = loaded + duplicates + quarantined.
    "ingest_batches": """
        batch_id VARCHAR NOT NULL,
        source_uri VARCHAR NOT NULL,
        file_format VARCHAR NOT NULL,
        landing_date DATE,
        received BIGINT NOT NULL,
        loaded BIGINT NOT NULL,
        duplicates BIGINT NOT NULL,
        quarantined BIGINT NOT NULL,
        loaded_at TIMESTAMP NOT NULL
    """,
    # Price book (DESIGN 3.2), flattened; replaced whole on every load. Every version at once (issue 15):
    # effective_from is the first day of the first month a version rates, NULL for the file price book
    # (in force from the beginning); the settings table holds one row per version.
    "price_book_settings": """
        currency VARCHAR NOT NULL,
        minor_units INTEGER NOT NULL,
        source_uri VARCHAR,
        content_sha256 VARCHAR NOT NULL,
        loaded_at TIMESTAMP NOT NULL,
        effective_from DATE
    """,
    "price_book_metrics": """
        metric_id VARCHAR NOT NULL,
        aggregation VARCHAR NOT NULL,
        property VARCHAR,
        effective_from DATE
    """,
    "price_book_prices": f"""
        price_id VARCHAR NOT NULL,
        metric_id VARCHAR NOT NULL,
        package_id VARCHAR,
        billing_scheme VARCHAR NOT NULL,
        tiers_mode VARCHAR,
        unit_amount {UNIT_AMOUNT},
        free_units {QUANTITY} NOT NULL,
        minimum_amount {UNIT_AMOUNT},
        revenue_share DECIMAL(9, 6),
        transform_divide_by {QUANTITY},
        transform_round VARCHAR,
        effective_from DATE,
        percentage_rate {UNIT_AMOUNT},
        percentage_fixed_amount {UNIT_AMOUNT},
        percentage_per_event_minimum_amount {UNIT_AMOUNT},
        percentage_per_event_maximum_amount {UNIT_AMOUNT}
    """,
    "price_book_tiers": f"""
        price_id VARCHAR NOT NULL,
        tier_index INTEGER NOT NULL,
        up_to {QUANTITY},
        unit_amount {UNIT_AMOUNT} NOT NULL,
        flat_amount {UNIT_AMOUNT} NOT NULL,
        effective_from DATE
    """,
    "price_book_plans": f"""
        plan_id VARCHAR NOT NULL,
        amount {UNIT_AMOUNT} NOT NULL,
        effective_from DATE
    """,
    # Copies of the operational DB (atom.opdb), replaced whole by the ingest asset on every build.
    "operational_publishers": """
        publisher_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL
    """,
    "operational_packages": """
        package_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        publisher_id VARCHAR NOT NULL,
        category VARCHAR,
        created_at TIMESTAMP NOT NULL
    """,
    "operational_package_versions": """
        package_id VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        published_at TIMESTAMP NOT NULL
    """,
    "operational_tenants": """
        tenant_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        segment VARCHAR,
        country VARCHAR,
        created_at TIMESTAMP NOT NULL
    """,
    # Plan history: the plan a tenant held over [started_on, ended_on); trial periods carry no fee.
    "operational_subscriptions": """
        subscription_id VARCHAR NOT NULL,
        tenant_id VARCHAR NOT NULL,
        plan_id VARCHAR NOT NULL,
        is_trial BOOLEAN NOT NULL,
        started_on DATE NOT NULL,
        ended_on DATE
    """,
    # Lifecycle: dated state changes (trialing, active, past_due, churned, reactivated).
    "operational_tenant_events": """
        tenant_id VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        occurred_at TIMESTAMP NOT NULL
    """,
    # Billing documents (atom/opdb/billing.py): finalized invoices and credit notes, immutable but for
    # status and the amount paid; amounts converted from the operational DB's integer minor units to exact
    # decimals. paid_amount is what has been paid so far (decision 0703), never above total_amount.
    "operational_invoices": f"""
        invoice_number VARCHAR NOT NULL,
        document_type VARCHAR NOT NULL,
        tenant_id VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        currency VARCHAR NOT NULL,
        minor_units INTEGER NOT NULL,
        total_amount {AMOUNT} NOT NULL,
        issued_on DATE NOT NULL,
        due_on DATE NOT NULL,
        finalized_at TIMESTAMP NOT NULL,
        status_changed_at TIMESTAMP,
        stripe_invoice_id VARCHAR,
        paid_amount {AMOUNT} NOT NULL DEFAULT 0
    """,
    # Payments received against invoices (decision 0703): one row per rise of Stripe's amount paid, dated
    # when Stripe reported it; their sum per invoice is its paid_amount.
    "operational_invoice_payments": f"""
        payment_id BIGINT NOT NULL,
        invoice_number VARCHAR NOT NULL,
        tenant_id VARCHAR NOT NULL,
        currency VARCHAR NOT NULL,
        minor_units INTEGER NOT NULL,
        amount {AMOUNT} NOT NULL,
        paid_at TIMESTAMP NOT NULL,
        stripe_event_id VARCHAR,
        recorded_at TIMESTAMP NOT NULL
    """,
    # ``period`` is the month the line rates: an adjustment line carries an earlier month than its invoice.
    "operational_invoice_lines": f"""
        invoice_number VARCHAR NOT NULL,
        line_number INTEGER NOT NULL,
        tenant_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        price_id VARCHAR,
        plan_id VARCHAR,
        metric_id VARCHAR,
        package_id VARCHAR,
        publisher_id VARCHAR,
        quantity {QUANTITY} NOT NULL,
        amount {AMOUNT} NOT NULL,
        partner_payout_amount {AMOUNT} NOT NULL,
        platform_fee_amount {AMOUNT} NOT NULL
    """,
    "operational_partner_payouts": f"""
        publisher_id VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        currency VARCHAR NOT NULL,
        gross_amount {AMOUNT} NOT NULL,
        platform_fee_amount {AMOUNT} NOT NULL,
        payout_amount {AMOUNT} NOT NULL,
        stripe_transfer_id VARCHAR,
        created_at TIMESTAMP NOT NULL
    """,
    "operational_partner_accounts": """
        publisher_id VARCHAR NOT NULL,
        stripe_account_id VARCHAR
    """,
    # Credit notes an operator issued against one finalized invoice (atom/opdb/marketplace_ops.py);
    # amount is positive, what the note takes off the invoice.
    "operational_credit_notes": f"""
        credit_note_number VARCHAR NOT NULL,
        invoice_number VARCHAR NOT NULL,
        tenant_id VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        currency VARCHAR NOT NULL,
        minor_units INTEGER NOT NULL,
        amount {AMOUNT} NOT NULL,
        reason VARCHAR NOT NULL,
        issued_on DATE NOT NULL,
        created_at TIMESTAMP NOT NULL
    """,
    # Package installs by tenants (POST /v1/installs): the marketplace's adoption events.
    "operational_installs": """
        install_id BIGINT NOT NULL,
        tenant_id VARCHAR NOT NULL,
        package_id VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        installed_at TIMESTAMP NOT NULL
    """,
    # Package submissions and their governance outcome (atom/opdb/registry.py); decided_at is when the
    # status last became approved or rejected, NULL while the submission waits for a scan or a reviewer.
    "operational_submissions": f"""
        submission_id VARCHAR NOT NULL,
        publisher_id VARCHAR NOT NULL,
        package_id VARCHAR NOT NULL,
        package_name VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        decision VARCHAR,
        risk_score {RISK_SCORE},
        rules_version VARCHAR,
        submitted_at TIMESTAMP NOT NULL,
        scanned_at TIMESTAMP,
        decided_at TIMESTAMP,
        reviewed_by VARCHAR
    """,
    # The findings and policy results of each submission's latest report (DESIGN 3.6), one row each;
    # finding_number is the finding's 1-based place in the report, the key beside submission_id.
    "operational_submission_findings": """
        submission_id VARCHAR NOT NULL,
        finding_number INTEGER NOT NULL,
        rule VARCHAR NOT NULL,
        category VARCHAR,
        severity VARCHAR,
        confidence VARCHAR,
        file VARCHAR,
        line INTEGER
    """,
    "operational_submission_policies": """
        submission_id VARCHAR NOT NULL,
        policy_id VARCHAR NOT NULL,
        policy_name VARCHAR,
        status VARCHAR NOT NULL
    """,
}


# Columns added to a raw table after warehouses were created with it: (table, column, type and default).
# CREATE TABLE IF NOT EXISTS leaves an existing table as it was, so these are added in place.
ADDED_COLUMNS: list[tuple[str, str, str]] = [
    ("operational_invoices", "paid_amount", f"{AMOUNT} DEFAULT 0"),
]


def create_raw_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the ``raw`` schema and every raw table that does not exist yet, and add the columns of
    :data:`ADDED_COLUMNS` to tables created before them."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table, columns in RAW_TABLES.items():
        conn.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({columns})")
    for table, column, definition in ADDED_COLUMNS:
        conn.execute(f"ALTER TABLE raw.{table} ADD COLUMN IF NOT EXISTS {column} {definition}")
