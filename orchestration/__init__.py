"""Dagster wiring: ingest, dbt and serving assets, their checks and schedules. No business logic here."""
