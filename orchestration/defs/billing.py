"""Invoicing: a monthly partition finalizes a month, sends it to Stripe and pays partners (DESIGN 2, 3.3).

These assets (group ``billing``, with the billing models) are outside the build job (monthly partitions
cannot share a job with daily ones);
finance launches ``billing_job`` for a month from the orchestrator's UI or with ``atom billing run``.
Asset keys name the operational DB tables the assets write: ``["opdb", "invoices"]`` and so on.
Partitions start where the ingest partitions do and end with the last whole month (end_offset=0): the
current month can never be finalized.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import dagster as dg

from atom.opdb import make_engine, migrate
from atom.settings import apply_to_process_env, get_settings
from billing.finalize import finalize_period
from billing.invariants import (
    changed_documents,
    documents_not_in_stripe_once,
    payout_conservation,
    rating_drift,
)
from billing.payouts import pay_partners
from billing.stripe_gateway import StripeGateway, make_gateway
from billing.stripe_sync import sync_period
from orchestration.resources import OperationalDBResource, WarehouseResource
from orchestration.warehouse_turn import (
    WAREHOUSE_POOL,
    WAREHOUSE_TAGS,
    execute_here,
    in_process_tags,
    wait_for_turn,
)

GROUP = "billing"  # the area (orchestration/areas.py): these assets run the rules of billing/
BILLING_JOB = "billing_job"
INVOICES_KEY = dg.AssetKey(["opdb", "invoices"])
STRIPE_KEY = dg.AssetKey(["opdb", "stripe_requests"])
PAYOUTS_KEY = dg.AssetKey(["opdb", "partner_payouts"])

monthly_billing_partitions = dg.MonthlyPartitionsDefinition(
    start_date=get_settings().atom_partitions_start, end_offset=0, timezone="UTC"
)


class StripeResource(dg.ConfigurableResource):
    """Stripe: live with an API key (STRIPE_API_KEY, optional STRIPE_API_BASE), a dry-run outbox without.

    The key is a setting (its variable, STRIPE_API_KEY_FILE or the vault), never resource config: Dagster
    keeps and shows resource and run config in its UI and storage."""

    api_base: str | None = None

    def gateway(self) -> StripeGateway:
        settings = get_settings()
        key = settings.stripe_api_key
        return make_gateway(
            key.get_secret_value() if key else None, self.api_base or settings.stripe_api_base
        )


def period_of_partition(partition_key: str) -> str:
    """'2026-10-01' (a monthly partition key) -> '2026-10'."""
    return partition_key[:7]


def partition_of_period(period: str) -> str:
    return f"{period}-01"


@dg.asset(
    key=INVOICES_KEY,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,  # reads the marts; Stripe and payouts below touch only the operational DB
    partitions_def=monthly_billing_partitions,
    deps=[dg.AssetKey(["marts", "fct_invoice_lines"])],
    kinds={"sqlite"},
    check_specs=[
        dg.AssetCheckSpec(
            "invoice_totals_equal_rated_usage",
            asset=INVOICES_KEY,
            description="Per tenant, the month's usage and recurring lines plus later adjustments for it equal "
            "what marts.fct_invoice_lines rates the month to now (warns while late usage awaits adjustment).",
        ),
        dg.AssetCheckSpec(
            "content_hashes_unchanged",
            asset=INVOICES_KEY,
            description="Every finalized document, of every month, still hashes to its stored content hash.",
        ),
    ],
    description="Finalize the month: draft lines become numbered, immutable invoices (and credit notes for "
    "negative late-usage corrections). Idempotent: a closed month is left as it is.",
)
def finalized_invoices(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, operational_db: OperationalDBResource
):
    period = period_of_partition(context.partition_key)
    migrate(operational_db.url)
    engine = make_engine(operational_db.url)
    try:
        # Inside a Dagster run this process is the warehouse's one writer, so a plain connection is safe.
        with warehouse.connect() as conn:
            result = finalize_period(engine, conn, period)
            drift = rating_drift(engine, conn, period)
        changed = changed_documents(engine)
    finally:
        engine.dispose()
    context.log.info(f"{period}: {result}")
    yield dg.MaterializeResult(
        metadata={
            "period": period,
            "newly_finalized": result.created,
            "invoices": result.invoices,
            "credit_notes": result.credit_notes,
            "total_minor": result.total_minor,
            "content_hash": result.content_hash,
        }
    )
    yield dg.AssetCheckResult(
        check_name="invoice_totals_equal_rated_usage",
        passed=not drift,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"tenants_with_drift": len(drift), "sample": str(sorted(drift.items())[:5])},
    )
    yield dg.AssetCheckResult(
        check_name="content_hashes_unchanged",
        passed=not changed,
        metadata={"changed_documents": len(changed), "sample": str(changed[:5])},
    )


@dg.asset(
    key=STRIPE_KEY,
    group_name=GROUP,
    partitions_def=monthly_billing_partitions,
    deps=[INVOICES_KEY],
    kinds={"stripe"},
    check_specs=[
        dg.AssetCheckSpec(
            "every_invoice_reached_stripe_once",
            asset=STRIPE_KEY,
            description="Each document of the month has exactly one invoice-create and one finalize request "
            "(live or in the dry-run outbox) and one item request per line, and carries its Stripe id.",
        )
    ],
    description="Send the month's documents to Stripe (customers, invoices, items, finalize) with "
    "idempotency keys; without STRIPE_API_KEY, record them in the dry-run outbox.",
)
def stripe_invoices(
    context: dg.AssetExecutionContext, operational_db: OperationalDBResource, stripe: StripeResource
):
    period = period_of_partition(context.partition_key)
    engine = make_engine(operational_db.url)
    try:
        result = sync_period(engine, stripe.gateway(), period)
        missing = documents_not_in_stripe_once(engine, period)
    finally:
        engine.dispose()
    context.log.info(f"{period}: {result}")
    yield dg.MaterializeResult(
        metadata={
            "mode": result.mode,
            "documents": result.documents,
            "already_synced": result.already_synced,
            "requests_sent": result.requests_sent,
            "requests_skipped": result.requests_skipped,
        }
    )
    yield dg.AssetCheckResult(
        check_name="every_invoice_reached_stripe_once",
        passed=not missing,
        metadata={"documents_not_synced": len(missing), "sample": str(missing[:5])},
    )


@dg.asset(
    key=PAYOUTS_KEY,
    group_name=GROUP,
    partitions_def=monthly_billing_partitions,
    deps=[INVOICES_KEY],
    kinds={"stripe"},
    check_specs=[
        dg.AssetCheckSpec(
            "money_is_conserved",
            asset=PAYOUTS_KEY,
            description="Payouts + platform fees = package revenue billed in the month's documents, to the cent.",
        )
    ],
    description="Each publisher's share of the month's package lines; Stripe Connect transfers for "
    "publishers with a connected account, dry-run records for the rest.",
)
def partner_payouts(
    context: dg.AssetExecutionContext, operational_db: OperationalDBResource, stripe: StripeResource
):
    period = period_of_partition(context.partition_key)
    engine = make_engine(operational_db.url)
    try:
        gateway = stripe.gateway()
        result = pay_partners(engine, period, live=gateway if gateway.mode == "live" else None)
        billed, paid, fees = payout_conservation(engine, period)
    finally:
        engine.dispose()
    context.log.info(f"{period}: {result}")
    yield dg.MaterializeResult(
        metadata={
            "publishers": result.publishers,
            "gross_minor": result.gross_minor,
            "payout_minor": result.payout_minor,
            "platform_fee_minor": result.platform_fee_minor,
            "transfers_live": result.transfers_live,
            "transfers_dry_run": result.transfers_dry_run,
        }
    )
    yield dg.AssetCheckResult(
        check_name="money_is_conserved",
        passed=paid + fees == billed,
        metadata={"package_revenue_minor": billed, "payouts_minor": paid, "platform_fees_minor": fees},
    )


# By key, not by group: the group is shared with the billing dbt models, which the build job runs.
BILLING_ASSETS = dg.AssetSelection.assets(finalized_invoices, stripe_invoices, partner_payouts)

billing_job = dg.define_asset_job(
    BILLING_JOB,
    selection=BILLING_ASSETS,
    tags=WAREHOUSE_TAGS,
    description="Close one month: finalize its invoices, send them to Stripe, pay partners.",
)


@dataclass
class BillingRunSummary:
    period: str
    run_id: str = ""
    success: bool = True
    checks_failed: list[str] = field(default_factory=list)
    checks_warned: list[str] = field(default_factory=list)
    metadata: dict[str, dict[str, object]] = field(default_factory=dict)
    error: str | None = None


def run_billing_partition(
    period: str, today: date | None = None, notify: Callable[[str], None] = lambda _: None
) -> BillingRunSummary:
    """Execute exactly the month's partition of ``billing_job`` in this process, on the shared instance
    (so the run shows in the orchestrator's UI beside the ones finance launches there), once no other run
    holds the warehouse (``notify`` says which it waits for; orchestration/warehouse_turn.py)."""
    from billing.periods import month_has_ended, not_ended_message, parse_period

    parse_period(period)
    settings = get_settings()
    settings.ensure_dirs()
    apply_to_process_env(settings)
    if today is not None and not month_has_ended(period, today):
        raise ValueError(not_ended_message(period, today))
    from orchestration.definitions import defs as all_defs

    job = all_defs.resolve_job_def(BILLING_JOB)
    keys = set(monthly_billing_partitions.get_partition_keys())
    if partition_of_period(period) not in keys:
        raise ValueError(
            f"{period} is not a billing partition: months from {settings.atom_partitions_start[:7]} "
            "up to the last whole month can be finalized"
        )
    summary = BillingRunSummary(period)
    with dg.DagsterInstance.get() as instance:
        wait_for_turn(instance, notify)
        result = execute_here(
            job,
            instance=instance,
            partition_key=partition_of_period(period),
            tags=in_process_tags(),
            raise_on_error=False,
        )
    summary.run_id, summary.success = result.run_id, result.success
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key:
            meta = event.step_materialization_data.materialization.metadata
            summary.metadata[event.asset_key.to_user_string()] = {k: v.value for k, v in meta.items()}
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation: Any = event.event_specific_data
            if not evaluation.passed:
                name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
                if evaluation.severity == dg.AssetCheckSeverity.WARN:
                    summary.checks_warned.append(name)
                else:
                    summary.checks_failed.append(name)
        elif event.event_type_value == "STEP_FAILURE" and summary.error is None:
            failure: Any = event.event_specific_data
            summary.error = f"{event.step_key}: {failure.error.message.strip()}"
    return summary


defs = dg.Definitions(
    assets=[finalized_invoices, stripe_invoices, partner_payouts],
    jobs=[billing_job],
    resources={"stripe": StripeResource()},
)
