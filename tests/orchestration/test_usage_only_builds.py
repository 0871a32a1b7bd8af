"""A build after new batches only rebuilds what reads usage (decision 0092); everything else it leaves is
what it would rebuild anyway. The end-to-end proof (the marts of such a build equal a full refresh) is
tests/orchestration/test_incremental_build.py; these pin the rules it rests on."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from atom.freshness import BuildRecord, models_changing, read_record, renew_record, write_record
from atom.opdb import migrate
from atom.settings import DBT_PROJECT_DIR, Settings
from orchestration.build_inputs import REFERENCE_TAG, BuildInputs
from orchestration.definitions import defs
from orchestration.defs.build import BUILD_JOB, build_on_new_data, usage_only_selection
from orchestration.defs.dbt import USAGE_ONLY_TAG, WALL_CLOCK_MODELS, check_models_still_as_planned
from tests.orchestration.conftest import use_home

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _key(address: str) -> dg.AssetKey:
    return dg.AssetKey(address.split("/"))


def _selection() -> set[dg.AssetKey]:
    job_keys = defs.resolve_job_def(BUILD_JOB).asset_layer.selected_asset_keys
    return usage_only_selection(defs.resolve_asset_graph(), job_keys)


def test_every_model_that_reads_the_wall_clock_is_rebuilt_by_every_build() -> None:
    # A model reading utc_now() left out of a usage-only build would keep an old "as of".
    reads_clock = {
        dg.AssetKey(["marts" if "/marts/" in str(path) else "other", path.stem])
        for path in Path(DBT_PROJECT_DIR, "models").rglob("*.sql")
        if re.search(r"utc_now\(\)", path.read_text())
    }
    assert reads_clock and reads_clock <= set(WALL_CLOCK_MODELS)
    assert set(WALL_CLOCK_MODELS) <= _selection()


def test_a_usage_only_build_selects_what_reads_usage_and_leaves_what_reads_only_reference_data() -> None:
    selected = _selection()
    for needed in (
        "raw/usage_events", "raw/price_book_metrics", "raw/operational_tenants",
        "staging/stg_usage__events", "intermediate/int_usage_aggregated_monthly",
        "marts/fct_invoice_lines", "marts/fct_usage_daily", "marts/fct_revenue_metrics_monthly",
        "marts/fct_ingest_batches", "serving/snapshot",
    ):  # fmt: skip
        assert _key(needed) in selected, needed
    for left in ("marts/dim_tenants", "marts/dim_packages", "marts/fct_mrr_movements", "marts/fct_ar_aging"):
        assert _key(left) not in selected, left
    # Nothing outside the build job (the monthly invoicing assets) creeps in.
    assert not any(key.path[0] == "opdb" for key in selected)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = use_home(monkeypatch, tmp_path / "home")
    settings.ensure_dirs()
    settings.warehouse_path.touch()
    settings.serving_path.touch()
    return settings


def test_only_a_publish_from_the_same_reference_data_with_no_dbt_run_since_allows_a_usage_only_build(
    home: Settings,
) -> None:
    inputs = BuildInputs("new-batches", NOW, reference="ref-1")
    assert not inputs.only_batches_landed_since_last_build(home)  # never built

    write_record(home, BuildRecord("old", NOW, NOW, "run-1", reference="ref-1"))
    assert inputs.only_batches_landed_since_last_build(home)
    assert not replace(inputs, reference="ref-2").only_batches_landed_since_last_build(home)

    # A dbt run started (and has not published): the models may be another build's, whatever it read.
    models_changing(home)
    record = read_record(home)
    assert record is not None and record.reference is None and record.inputs == "old"
    assert not inputs.only_batches_landed_since_last_build(home)

    # A run launched without inputs (Dagster's UI) records none: never a usage-only build after it.
    write_record(home, BuildRecord("", NOW, NOW, "run-2"))
    assert not inputs.only_batches_landed_since_last_build(home)


def test_a_no_op_build_renews_the_record_only_if_no_dbt_run_changed_it_since_it_was_read(
    home: Settings,
) -> None:
    last = BuildRecord("same", NOW, NOW, "run-1", reference="ref-1")
    write_record(home, last)
    later = NOW + timedelta(minutes=1)
    assert renew_record(home, last, later)
    renewed = read_record(home)
    assert renewed == replace(last, checked_at=later)

    # A dbt run (the sensor's build) starts between the no-op check and its write: writing the record read
    # before would vouch again for models that run is replacing, and allow a usage-only build on them.
    models_changing(home)
    assert not renew_record(home, renewed, later + timedelta(minutes=1))
    record = read_record(home)
    assert record is not None and record.reference is None and record.checked_at == later


def test_the_dbt_step_refuses_a_usage_only_build_whose_plan_no_longer_holds(home: Settings) -> None:
    planned = {USAGE_ONLY_TAG: "true", REFERENCE_TAG: "ref-1"}
    write_record(home, BuildRecord("old", NOW, NOW, "run-1", reference="ref-1"))
    check_models_still_as_planned(planned)  # as planned: runs, and the record stops vouching
    assert (read_record(home) or BuildRecord("", NOW, NOW)).reference is None
    with pytest.raises(dg.Failure, match="run `atom build` again"):
        check_models_still_as_planned(planned)  # a dbt run started since the plan
    write_record(home, BuildRecord("other", NOW, NOW, "run-3", reference="ref-2"))
    with pytest.raises(dg.Failure):
        check_models_still_as_planned(planned)  # another build published from other reference data
    check_models_still_as_planned({})  # a full build needs nothing from the record


def test_the_sensor_requests_a_usage_only_build_when_only_batches_landed(home: Settings) -> None:
    migrate(home.database_url)  # the inputs' fingerprint reads the operational DB
    current = BuildInputs.read(home)
    write_record(home, BuildRecord("before-the-batch", NOW, NOW, "run-1", reference=current.reference))
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, definitions=defs)
        request = build_on_new_data(context)
        assert isinstance(request, dg.RunRequest)
        assert request.tags[USAGE_ONLY_TAG] == "true" and request.tags[REFERENCE_TAG] == current.reference
        assert set(request.asset_selection or []) == _selection()

        write_record(home, BuildRecord("before-the-batch", NOW, NOW, "run-1", reference="other"))
        request = build_on_new_data(dg.build_sensor_context(instance=instance, definitions=defs))
        assert isinstance(request, dg.RunRequest)
        assert USAGE_ONLY_TAG not in request.tags and request.asset_selection is None
