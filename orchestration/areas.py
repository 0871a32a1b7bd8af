"""One name per thing: every asset's Dagster group is its business area.

An area is the dbt folder under ``intermediate/`` and ``marts/`` (``usage``, ``billing``, ``finance``,
``tenants``, ``marketplace``, ``governance``), and the same word as the package or module that owns those
rules. Raw tables and staging models, which dbt lays out by source rather than by area, take the area of
the rules that own their data: this module is where that is written down, once, for the Python assets of
``defs/ingest.py`` and the dbt translator alike. The serving snapshot is its own group (``serving``).
"""

from __future__ import annotations

AREAS = ("usage", "billing", "finance", "tenants", "marketplace", "governance")
SERVING = "serving"

# staging/<source>/ -> area, for the sources whose tables all belong to one area.
SOURCE_AREAS = {"usage": "usage", "price_book": "billing"}

# The operational DB copy (raw.operational_<entity>, staging/operational/stg_operational__<entity>).
OPERATIONAL_AREAS = {
    "publishers": "marketplace",
    "packages": "marketplace",
    "package_versions": "marketplace",
    "installs": "marketplace",
    "tenants": "tenants",
    "tenant_events": "tenants",
    "subscriptions": "billing",
    "invoices": "billing",
    "invoice_lines": "billing",
    "invoice_payments": "billing",
    "credit_notes": "billing",
    "partner_payouts": "billing",
    "partner_accounts": "billing",
    "submissions": "governance",
    "submission_findings": "governance",
    "submission_policies": "governance",
}


def raw_table_area(table: str) -> str:
    """The area of a ``raw.*`` table written by the ingest assets."""
    if table.startswith("operational_"):
        return operational_area(table.removeprefix("operational_"))
    if table.startswith("price_book_"):
        return SOURCE_AREAS["price_book"]
    return SOURCE_AREAS["usage"]  # usage_events, usage_quarantine, ingest_batches


def operational_area(entity: str) -> str:
    try:
        return OPERATIONAL_AREAS[entity]
    except KeyError:
        raise KeyError(
            f"operational table {entity!r} has no area: add it to OPERATIONAL_AREAS in orchestration/areas.py"
        ) from None


def dbt_model_area(fqn: list[str]) -> str | None:
    """``["atom", layer, folder, model]`` -> the model's area."""
    if len(fqn) < 4:
        return None
    layer, folder, model = fqn[1], fqn[2], fqn[-1]
    if layer != "staging":
        return folder
    if folder == "operational":
        return operational_area(model.removeprefix("stg_operational__"))
    return SOURCE_AREAS[folder]
