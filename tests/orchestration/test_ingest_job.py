"""`atom ingest` runs the ingest job (decision 0063): a real Dagster run, holding the warehouse like a build,
from the ingest definitions alone."""

from __future__ import annotations

import subprocess
import sys

from orchestration.warehouse_turn import WAREHOUSE_POOL, WAREHOUSE_TAGS


def test_the_ingest_job_is_resolved_without_importing_dbt_or_the_other_domains() -> None:
    # A child process: this one has imported everything already.
    code = (
        "import sys\n"
        "from orchestration.ingest_run import ingest_job\n"
        "job = ingest_job()\n"
        "heavy = [m for m in ('dagster_dbt', 'orchestration.definitions', 'orchestration.defs.dbt',"
        " 'orchestration.defs.billing', 'orchestration.defs.governance') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "print(job.name)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ingest_job"


def test_the_ingest_job_holds_the_warehouse_like_a_build() -> None:
    """Same tag as the build (one warehouse-writing run at a time in the queue) and every step in the pool
    of one slot (decision 0090)."""
    from orchestration.definitions import defs
    from orchestration.ingest_run import ingest_job

    job = ingest_job()
    assert WAREHOUSE_TAGS.items() <= job.tags.items()
    served = defs.resolve_job_def("ingest_job")  # the orchestrator's code location knows it too
    assert served.asset_layer.selected_asset_keys == job.asset_layer.selected_asset_keys
    graph = defs.resolve_asset_graph()
    for key in job.asset_layer.selected_asset_keys:
        assert graph.get(key).pools == {WAREHOUSE_POOL}, key
