"""The one place that reads the environment.

Every path derives from ``ATOM_HOME`` (default ``./.atom``); each can be overridden by its own
variable (DESIGN 2). Nothing else in the code base calls ``os.environ``: code that must hand the
settings to a subprocess (dbt, Dagster's webserver) asks :func:`subprocess_env` for them.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from atom.permissions import close_tree, is_open, make_private_dirs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


class Settings(BaseSettings):
    """Runtime configuration; each field maps to the environment variable of the same name."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    atom_home: Path = Field(default=Path(".atom"), validation_alias="ATOM_HOME")
    atom_warehouse: Path | None = Field(default=None, validation_alias="ATOM_WAREHOUSE")
    atom_serving: Path | None = Field(default=None, validation_alias="ATOM_SERVING")
    atom_database_url: str | None = Field(default=None, validation_alias="ATOM_DATABASE_URL")
    atom_price_book: Path | None = Field(default=None, validation_alias="ATOM_PRICE_BOOK")
    # First day of the daily ingest partitions. The demo's usage starts six months before today,
    # so a fixed early start keeps every generated landing day inside the partition set.
    atom_partitions_start: str = Field(default="2025-01-01", validation_alias="ATOM_PARTITIONS_START")
    # Governance decision thresholds on the 0-1 risk score (DESIGN 3.6); see governance/config.py.
    atom_review_threshold: float = Field(default=0.35, validation_alias="ATOM_REVIEW_THRESHOLD")
    atom_reject_threshold: float = Field(default=0.8, validation_alias="ATOM_REJECT_THRESHOLD")
    # Portal (issue 6). A submission queued for a human is due this many working days (Mon-Fri) after it
    # was submitted: AMO's REVIEWER_STANDARD_REVIEW_TIME is 3 weekdays.
    atom_review_due_days: int = Field(default=3, ge=0, validation_alias="ATOM_REVIEW_DUE_DAYS")
    # OIDC through Streamlit's st.login: the provider's name under [auth.<name>] in .streamlit/secrets.toml
    # ("default" for a bare [auth] section). Unset: local accounts only. A signed-in e-mail gets the role of
    # its portal account, or ATOM_OIDC_DEFAULT_ROLE when it has none (unset: such users are refused).
    atom_oidc_provider: str | None = Field(default=None, validation_alias="ATOM_OIDC_PROVIDER")
    atom_oidc_default_role: str | None = Field(default=None, validation_alias="ATOM_OIDC_DEFAULT_ROLE")
    # One definition of a valid event (DESIGN 3.1): an event older than this many days before it is
    # received is refused as timestamp_out_of_range (a year of late usage, and a month of slack).
    atom_event_max_age_days: int = Field(default=400, ge=1, validation_alias="ATOM_EVENT_MAX_AGE_DAYS")
    # The platform's "today" (atom/clock.py): unset, the real UTC date. Pinning it makes a demo generated
    # as of a day build and rate as of that day too; tests pin it so month boundaries are fixed.
    atom_today: date | None = Field(default=None, validation_alias="ATOM_TODAY")
    dagster_url: str | None = Field(default=None, validation_alias="DAGSTER_URL")
    stripe_api_key: str | None = Field(default=None, validation_alias="STRIPE_API_KEY")
    stripe_api_base: str | None = Field(default=None, validation_alias="STRIPE_API_BASE")
    stripe_webhook_secret: str | None = Field(default=None, validation_alias="STRIPE_WEBHOOK_SECRET")

    @property
    def home(self) -> Path:
        return self.atom_home.expanduser().resolve()

    @property
    def warehouse_path(self) -> Path:
        return (self.atom_warehouse or self.home / "warehouse.duckdb").expanduser().resolve()

    @property
    def serving_path(self) -> Path:
        return (self.atom_serving or self.home / "serving.duckdb").expanduser().resolve()

    @property
    def database_url(self) -> str:
        return self.atom_database_url or f"sqlite:///{self.home / 'atom.db'}"

    @property
    def price_book_path(self) -> Path:
        return (self.atom_price_book or self.home / "price_book.yaml").expanduser().resolve()

    @property
    def landing_dir(self) -> Path:
        """Usage batches waiting to be loaded: ``landing/usage/<YYYY-MM-DD>/<batch>.<ext>``."""
        return self.home / "landing" / "usage"

    @property
    def rejected_dir(self) -> Path:
        """Landed files that cannot be read as usage at all, set aside with their reason:
        ``landing/rejected/<YYYY-MM-DD>/<batch>`` beside ``<batch>.reason.txt``."""
        return self.home / "landing" / "rejected"

    @property
    def artifacts_dir(self) -> Path:
        return self.home / "artifacts"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt_target"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    def ensure_dirs(self) -> None:
        """The home's folders, private to this account (0700, atom/permissions.py); a home made before
        that was the rule is tightened, files included, the first time it is found open."""
        upgrading = self.home.exists() and is_open(self.home)
        make_private_dirs(self.home, (self.landing_dir, self.artifacts_dir, self.dagster_home, self.log_dir))
        instance_config = self.dagster_home / "dagster.yaml"
        # Written unless someone has configured the instance themselves (another storage, say).
        if not instance_config.exists() or instance_config.read_text() in _EARLIER_DAGSTER_YAML:
            instance_config.write_text(dagster_instance_yaml(self.dagster_home))
        if upgrading:
            # Only what the platform itself keeps there: ATOM_HOME may be a folder with other contents.
            close_tree(path for pattern in _HOME_ENTRIES for path in self.home.glob(pattern))


# What the platform writes directly under ATOM_HOME (docs/architecture.md), for ensure_dirs' upgrade.
_HOME_ENTRIES = (
    *("landing", "artifacts", "dagster", "logs", "dbt_target", "api", "price_book.yaml"),
    *("atom.db*", "warehouse.duckdb*", "serving.duckdb*", ".serving.duckdb.*"),
)
# What ensure_dirs wrote before the event log storage was configured: homes made then are upgraded.
_EARLIER_DAGSTER_YAML = ("telemetry:\n  enabled: false\n",)
# Dagster buffers the events it can batch (planned and per-partition materializations) up to this many.
DAGSTER_EVENT_BATCH_SIZE = "1000"


def dagster_instance_yaml(dagster_home: Path) -> str:
    """The Dagster instance of a home: no telemetry from an offline platform, and the stock SQLite
    event log but with batched writes (orchestration/event_log.py)."""
    return (
        "telemetry:\n"
        "  enabled: false\n"
        "event_log_storage:\n"
        "  module: orchestration.event_log\n"
        "  class: BatchingSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {(dagster_home / 'history' / 'runs').resolve()}\n"
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Tests and the CLI change ``ATOM_*`` variables at run time; this makes the change visible."""
    get_settings.cache_clear()


def subprocess_env(settings: Settings | None = None, **overrides: str) -> dict[str, str]:
    """The environment for a child process (dbt, Dagster) with every path resolved explicitly."""
    s = settings or get_settings()
    env = dict(os.environ)
    env.update(
        {
            "ATOM_HOME": str(s.home),
            "ATOM_WAREHOUSE": str(s.warehouse_path),
            "ATOM_SERVING": str(s.serving_path),
            "ATOM_DATABASE_URL": s.database_url,
            "ATOM_PRICE_BOOK": str(s.price_book_path),
            "DAGSTER_HOME": str(s.dagster_home),
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
            # Without it Dagster stores batchable events one at a time (orchestration/event_log.py).
            "DAGSTER_EVENT_BATCH_SIZE": DAGSTER_EVENT_BATCH_SIZE,
        }
    )
    if s.atom_today is not None:
        env["ATOM_TODAY"] = s.atom_today.isoformat()
    env.update(overrides)
    return env


def apply_to_process_env(settings: Settings | None = None) -> None:
    """Export the resolved paths into this process, for libraries (dbt) that read them there."""
    os.environ.update(subprocess_env(settings))
