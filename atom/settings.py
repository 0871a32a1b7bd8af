"""The one place that reads the environment.

Every path derives from ``ATOM_HOME`` (default ``./.atom``); each can be overridden by its own
variable (DESIGN 2). Nothing else in the code base calls ``os.environ``: code that must hand the
settings to a subprocess (dbt, Dagster's webserver) asks :func:`subprocess_env` for them.

Secrets (DESIGN 4, atom/secrets.py) are the fields typed ``SecretStr`` (``SecretUrl`` for a URL with a
password): each comes from its variable, else from the file named by ``<NAME>_FILE``, else from the KV v2
secret at ``ATOM_VAULT_PATH`` in Vault/OpenBao when ``VAULT_ADDR`` is set. Their ``repr`` is masked; the
value is taken with ``.get_secret_value()`` only where it is used.
"""

from __future__ import annotations

import os
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from atom.permissions import close_tree, is_open, make_private_dirs
from atom.secrets import (
    SecretsError,
    SecretUrl,
    mask_url,
    read_secret_file,
    read_vault,
    url_with_password,
    vault_config,
)

__all__ = ["SecretUrl", "SecretsError", "Settings", "SettingsError", "get_settings", "subprocess_env"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


class Settings(BaseSettings):
    """Runtime configuration; each field maps to the environment variable of the same name."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    atom_home: Path = Field(default=Path(".atom"), validation_alias="ATOM_HOME")
    atom_warehouse: Path | None = Field(default=None, validation_alias="ATOM_WAREHOUSE")
    atom_serving: Path | None = Field(default=None, validation_alias="ATOM_SERVING")
    # A secret: it may hold the database password. ATOM_DATABASE_PASSWORD, when set, goes into a URL
    # that has none (the URL in plain configuration, the password from a file or the vault).
    atom_database_url: SecretUrl | None = Field(default=None, validation_alias="ATOM_DATABASE_URL")
    atom_database_password: SecretStr | None = Field(default=None, validation_alias="ATOM_DATABASE_PASSWORD")
    atom_price_book: Path | None = Field(default=None, validation_alias="ATOM_PRICE_BOOK")
    # First day of the daily ingest partitions. The demo's usage starts six months before today,
    # so a fixed early start keeps every generated landing day inside the partition set.
    atom_partitions_start: str = Field(default="2025-01-01", validation_alias="ATOM_PARTITIONS_START")
    # Governance decision thresholds on the 0-1 risk score (DESIGN 3.6); see governance/config.py.
    atom_review_threshold: float = Field(default=0.4, validation_alias="ATOM_REVIEW_THRESHOLD")
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
    # Dunning (issue 15, orchestration/defs/dunning.py): a tenant with a finalized invoice unpaid this many days
    # after its due date becomes past_due, and suspended this many days after that; paying reverses both.
    atom_dunning_past_due_days: int = Field(default=7, ge=0, validation_alias="ATOM_DUNNING_PAST_DUE_DAYS")
    atom_dunning_suspend_days: int = Field(default=14, ge=0, validation_alias="ATOM_DUNNING_SUSPEND_DAYS")
    # The platform's "today" (atom/clock.py): unset, the real UTC date. Pinning it makes a demo generated
    # as of a day build and rate as of that day too; tests pin it so month boundaries are fixed.
    atom_today: date | None = Field(default=None, validation_alias="ATOM_TODAY")
    # Engine of the dbt project (DESIGN 4, docs/scale-out.md): DuckDB in the warehouse file, or Apache Spark
    # through dbt-spark, in dbt's own process on ATOM_SPARK_MASTER (`session`), or on a cluster's Thrift
    # server when ATOM_SPARK_THRIFT_URL (thrift://[user@]host[:port]) is set. Raw tables reach Spark and the
    # marts come back as Parquet under ATOM_SPARK_LAKE, a folder or URL both this machine and the cluster see.
    atom_engine: Literal["duckdb", "spark"] = Field(default="duckdb", validation_alias="ATOM_ENGINE")
    atom_spark_master: str = Field(default="local[2]", validation_alias="ATOM_SPARK_MASTER")
    atom_spark_thrift_url: str | None = Field(default=None, validation_alias="ATOM_SPARK_THRIFT_URL")
    atom_spark_lake: str | None = Field(default=None, validation_alias="ATOM_SPARK_LAKE")
    # The Java that runs a local Spark session (pyspark's own rule: $JAVA_HOME/bin/java, else `java` on PATH).
    java_home: Path | None = Field(default=None, validation_alias="JAVA_HOME")
    dagster_url: str | None = Field(default=None, validation_alias="DAGSTER_URL")
    # Where the portal process serves its page times to Prometheus (app/page_metrics.py); `atom portal`
    # sets it from --metrics-port. Unset: no metrics server (tests start many portals side by side).
    atom_portal_metrics_port: int | None = Field(default=None, validation_alias="ATOM_PORTAL_METRICS_PORT")
    # Where Prometheus reads Dagster's run and check metrics (orchestration/exporter.py), for the portal's
    # links: `atom demo` sets it; in a deployment, the exporter's address as people reach it.
    atom_metrics_url: str | None = Field(default=None, validation_alias="ATOM_METRICS_URL")
    # API limits and recently accepted event ids shared by every worker and replica (DESIGN 4):
    # redis://[:password@]host:port/db. Unset, each API process keeps them in memory.
    atom_redis_url: SecretUrl | None = Field(default=None, validation_alias="ATOM_REDIS_URL")
    # Set by `atom serve` for its workers: Prometheus counters live in files here, so /metrics counts every
    # worker whichever answers (prometheus-client's multiprocess mode).
    prometheus_multiproc_dir: Path | None = Field(default=None, validation_alias="PROMETHEUS_MULTIPROC_DIR")
    # Dagster's instance storage (runs, event log, schedules) on PostgreSQL at this URL; unset, it follows
    # ATOM_DATABASE_URL when that is PostgreSQL, else SQLite files under the home (DESIGN 4).
    dagster_pg_url: SecretUrl | None = Field(default=None, validation_alias="DAGSTER_PG_URL")
    stripe_api_key: SecretStr | None = Field(default=None, validation_alias="STRIPE_API_KEY")
    stripe_api_base: str | None = Field(default=None, validation_alias="STRIPE_API_BASE")
    stripe_webhook_secret: SecretStr | None = Field(default=None, validation_alias="STRIPE_WEBHOOK_SECRET")
    # Vault or OpenBao (DESIGN 4): with VAULT_ADDR, the secrets above that no variable or <NAME>_FILE
    # gives are read from the KV v2 secret at ATOM_VAULT_PATH, signed in with VAULT_TOKEN or AppRole.
    vault_addr: str | None = Field(default=None, validation_alias="VAULT_ADDR")
    vault_token: SecretStr | None = Field(default=None, validation_alias="VAULT_TOKEN")
    vault_role_id: str | None = Field(default=None, validation_alias="VAULT_ROLE_ID")
    vault_secret_id: SecretStr | None = Field(default=None, validation_alias="VAULT_SECRET_ID")
    vault_namespace: str | None = Field(default=None, validation_alias="VAULT_NAMESPACE")
    vault_cacert: str | None = Field(default=None, validation_alias="VAULT_CACERT")
    atom_vault_path: str = Field(default="secret/atom", validation_alias="ATOM_VAULT_PATH")
    atom_vault_approle_mount: str = Field(default="approle", validation_alias="ATOM_VAULT_APPROLE_MOUNT")
    atom_vault_timeout: float = Field(default=10.0, gt=0, validation_alias="ATOM_VAULT_TIMEOUT")

    # The variables given to the constructor itself (tests, tools): children cannot resolve those
    # again from the environment, so subprocess_env passes them on.
    _given: frozenset[str] = PrivateAttr(default=frozenset())

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self._given = frozenset(name.upper() for name in values)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First found wins: arguments, the variable, <NAME>_FILE, then the vault.
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            _SecretFilesSource(settings_cls),
            _VaultSource(settings_cls),
            file_secret_settings,
        )

    @property
    def redis_url(self) -> str | None:
        return self.atom_redis_url.get_secret_value() if self.atom_redis_url else None

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
        """The operational DB's URL, password included: for the engine, never for a message (see
        :attr:`database_url_display`)."""
        if self.atom_database_url is None:
            return f"sqlite:///{self.home / 'atom.db'}"
        password = self.atom_database_password
        return url_with_password(
            self.atom_database_url.get_secret_value(), password.get_secret_value() if password else None
        )

    @property
    def database_url_display(self) -> str:
        """The operational DB's URL with the password masked, for logs and messages."""
        return mask_url(self.database_url)

    @property
    def dagster_postgres_url(self) -> str | None:
        """The libpq URL (``postgresql://``) of Dagster's PostgreSQL storage, or None for SQLite.

        Following the operational DB, Dagster keeps its tables in that database's schema ``dagster``
        (created by :func:`atom.opdb.migrate`): both use Alembic, and a shared ``alembic_version`` table
        would mix their revisions."""
        if self.dagster_pg_url is not None:
            return _libpq_url(self.dagster_pg_url.get_secret_value())
        if self.atom_database_url is not None and self.database_url.startswith("postgres"):
            url = _libpq_url(self.database_url)
            return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{DAGSTER_PG_SCHEMA}"
        return None

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

    @property
    def spark_dir(self) -> Path:
        """The local Spark session's metastore and managed tables (``ATOM_ENGINE=spark`` without Thrift)."""
        return self.home / "spark"

    @property
    def spark_lake(self) -> str:
        """Where raw tables go to Spark and marts come back, as Parquet: ``<lake>/raw/<table>/``,
        ``<lake>/marts/<model>/``. A local folder (default ``<home>/lake``) or a URL such as s3://bucket/atom."""
        if self.atom_spark_lake:
            return self.atom_spark_lake.rstrip("/")
        return str(self.home / "lake")

    @property
    def dbt_target(self) -> str:
        """The target of dbt_project/profiles.yml this engine runs on."""
        if self.atom_engine == "duckdb":
            return "dev"
        return "spark_thrift" if self.atom_spark_thrift_url else "spark"

    def spark_thrift_endpoint(self) -> tuple[str, int, str]:
        """(host, port, user) of ATOM_SPARK_THRIFT_URL; the port defaults to 10001 (EMR's Spark Thrift server;
        dbt-spark's own default, 443, is Databricks')."""
        endpoint = _thrift_endpoint(self.atom_spark_thrift_url or "")
        if endpoint is None:
            raise ValueError(
                f"ATOM_SPARK_THRIFT_URL must look like {THRIFT_URL_FORM}, got {self.atom_spark_thrift_url!r}"
            )
        return endpoint

    @field_validator("atom_spark_thrift_url")
    @classmethod
    def _a_thrift_url(cls, value: str | None) -> str | None:
        # Refused when the settings are read, not halfway through a build.
        if value and _thrift_endpoint(value) is None:
            raise ValueError(f"must look like {THRIFT_URL_FORM}")
        return value

    def ensure_dirs(self) -> None:
        """The home's folders, private to this account (0700, atom/permissions.py); a home made before
        that was the rule is tightened, files included, the first time it is found open."""
        upgrading = self.home.exists() and is_open(self.home)
        make_private_dirs(self.home, (self.landing_dir, self.artifacts_dir, self.dagster_home, self.log_dir))
        instance_config = self.dagster_home / "dagster.yaml"
        # Written unless someone has configured the instance themselves (another storage, say).
        wanted = dagster_instance_yaml(self.dagster_home, postgres=self.dagster_postgres_url is not None)
        ours = {
            dagster_instance_yaml(self.dagster_home, postgres=pg, concurrency=c)
            for pg in (False, True)
            for c in (False, True)  # homes written before the warehouse pool (issue 13 item 5) upgrade
        }
        current = instance_config.read_text() if instance_config.exists() else None
        if current is not None:
            # Ours, written for the home this one was copied from: its run history path names that home,
            # and a copy would read (and add to) the original's history.
            current = _BASE_DIR_LINE.sub(
                f"    base_dir: {(self.dagster_home / 'history' / 'runs').resolve()}", current
            )
        if current is None or current in {*_EARLIER_DAGSTER_YAML, *ours}:
            instance_config.write_text(wanted)
        if upgrading:
            # Only what the platform itself keeps there: ATOM_HOME may be a folder with other contents.
            close_tree(path for pattern in _HOME_ENTRIES for path in self.home.glob(pattern))


_BASE_DIR_LINE = re.compile(r"^    base_dir: .*$", re.MULTILINE)

# What the platform writes directly under ATOM_HOME (docs/architecture.md), for ensure_dirs' upgrade.
_HOME_ENTRIES = (
    *("landing", "artifacts", "dagster", "logs", "dbt_target", "api", "price_book.yaml", "spark", "lake"),
    *("atom.db*", "warehouse.duckdb*", "serving.duckdb*", ".serving.duckdb.*"),
)
# What ensure_dirs wrote before the event log storage was configured: homes made then are upgraded.
_EARLIER_DAGSTER_YAML = ("telemetry:\n  enabled: false\n",)
# The schema of the operational DB (on PostgreSQL) that holds Dagster's storage when it follows that DB.
DAGSTER_PG_SCHEMA = "dagster"


def _libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as libpq reads it, which dagster-postgres expects."""
    return "postgresql://" + url.split("://", 1)[1]


# Dagster buffers the events it can batch (planned and per-partition materializations) up to this many.
DAGSTER_EVENT_BATCH_SIZE = "1000"


def dagster_instance_yaml(dagster_home: Path, postgres: bool = False, concurrency: bool = True) -> str:
    """The Dagster instance of a home: no telemetry from an offline platform, and the stock SQLite
    event log but with batched writes (orchestration/event_log.py); or, with ``postgres``, every storage
    on PostgreSQL at ``$DAGSTER_PG_URL`` (subprocess_env sets it: the URL, password and all, never
    lands in the file). With ``concurrency``, the one-writer rule of the warehouse (DESIGN 2, decision 0090)."""
    if postgres:
        storage = "telemetry:\n  enabled: false\nstorage:\n  postgres:\n    postgres_url:\n      env: DAGSTER_PG_URL\n"
    else:
        storage = (
            "telemetry:\n"
            "  enabled: false\n"
            "event_log_storage:\n"
            "  module: orchestration.event_log\n"
            "  class: BatchingSqliteEventLogStorage\n"
            "  config:\n"
            f"    base_dir: {(dagster_home / 'history' / 'runs').resolve()}\n"
        )
    return storage + (WAREHOUSE_CONCURRENCY_YAML if concurrency else "")


# DuckDB admits one read-write process per file: every step that opens the warehouse is in the pool
# "warehouse" (orchestration/warehouse_turn.py), one slot, claimed step by step, in-process runs included;
# and the queue launches one run tagged atom/warehouse at a time (decision 0090).
WAREHOUSE_CONCURRENCY_YAML = (
    "concurrency:\n"
    "  pools:\n"
    "    granularity: op\n"
    "    default_limit: 1\n"
    "  runs:\n"
    "    tag_concurrency_limits:\n"
    "      - key: atom/warehouse\n"
    "        limit: 1\n"
)


def secret_names(settings_cls: type[BaseSettings] = Settings) -> tuple[str, ...]:
    """The variable names of the secret settings (fields typed SecretStr or SecretUrl)."""
    return tuple(
        str(field.validation_alias)
        for field in settings_cls.model_fields.values()
        if _is_secret(field) and isinstance(field.validation_alias, str)
    )


# Secrets that only sign in to the vault: never looked up in it.
_VAULT_CREDENTIALS = ("VAULT_TOKEN", "VAULT_SECRET_ID")


def _field_of(settings_cls: type[BaseSettings], name: str) -> str:
    return next(key for key, f in settings_cls.model_fields.items() if f.validation_alias == name)


def _is_secret(field: FieldInfo) -> bool:
    annotation = field.annotation
    members = getattr(annotation, "__args__", (annotation,))
    return any(isinstance(m, type) and issubclass(m, SecretStr) for m in members)


def _secret_type(field: FieldInfo) -> type[SecretStr]:
    members = getattr(field.annotation, "__args__", (field.annotation,))
    return next(m for m in members if isinstance(m, type) and issubclass(m, SecretStr))


def _environ(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None:  # case_sensitive=False, as for the variables themselves
        value = next((v for k, v in os.environ.items() if k.upper() == name), None)
    return value or None


class _SecretFilesSource(PydanticBaseSettingsSource):
    """``<NAME>_FILE`` for each secret that no argument or variable gives: the file's contents."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ does the work

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for field in self.settings_cls.model_fields.values():
            name = field.validation_alias
            if not _is_secret(field) or not isinstance(name, str) or self.current_state.get(name):
                continue
            path = _environ(f"{name}_FILE")
            if path:
                found[name] = _secret_type(field)(read_secret_file(name, path))
        return found


class _VaultSource(PydanticBaseSettingsSource):
    """The secrets that neither a variable nor a file gives, from Vault/OpenBao when VAULT_ADDR is set."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        missing = {
            str(field.validation_alias): field
            for field in self.settings_cls.model_fields.values()
            if _is_secret(field)
            and isinstance(field.validation_alias, str)
            and field.validation_alias not in _VAULT_CREDENTIALS
            and not self.current_state.get(field.validation_alias)
        }
        if not missing:
            return {}
        config = vault_config(self.current_state)
        if config is None:
            return {}
        stored = read_vault(config)
        return {
            name: _secret_type(field)(stored[name]) for name, field in missing.items() if stored.get(name)
        }


THRIFT_URL_FORM = "thrift://[user@]host[:port]"


def _thrift_endpoint(text: str) -> tuple[str, int, str] | None:
    """(host, port, user) of a Spark Thrift URL, or None when it is not one."""
    url = urlsplit(text)
    try:
        port = url.port
    except ValueError:
        return None
    if url.scheme not in {"thrift", "hive"} or not url.hostname:
        return None
    return url.hostname, port or 10001, url.username or "atom"


class SettingsError(ValueError):
    """A variable holds a value the platform cannot use. The message names each such variable as it is set
    (``ATOM_ENGINE``, not a field name) with what it accepts; a secret's value is never shown."""


def describe_invalid(exc: ValidationError, settings_cls: type[BaseSettings] = Settings) -> str:
    secrets = set(secret_names(settings_cls))
    lines = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "settings"
        given = "" if name in secrets or "input" not in error else f"={error['input']!r}"
        lines.append(f"{name}{given}: {error['msg'].removeprefix('Value error, ')}")
    return "invalid setting(s) in the environment:\n  " + "\n  ".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once; a value that cannot be used raises :class:`SettingsError`
    naming the variable, instead of pydantic's report on the model's fields."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe_invalid(exc)) from None


def reset_settings_cache() -> None:
    """Tests and the CLI change ``ATOM_*`` variables at run time; this makes the change visible."""
    get_settings.cache_clear()


def subprocess_env(settings: Settings | None = None, **overrides: str) -> dict[str, str]:
    """The environment for a child process (dbt, Dagster) with every path resolved explicitly.

    Secrets are not resolved into it: the child inherits the same variables, ``<NAME>_FILE`` paths and
    vault credentials and reads them itself, so a secret kept in a file or the vault never lands in a
    child's environment (where ``/proc/<pid>/environ``, crash reports and ``env`` dumps would show it).
    Only a secret handed to ``Settings(...)`` itself, which the child could not find again, is passed on.
    """
    s = settings or get_settings()
    env = dict(os.environ)
    for name in secret_names(type(s)):
        value = getattr(s, _field_of(type(s), name))
        if name in s._given and value is not None:
            env[name] = value.get_secret_value()
    if s.atom_database_url is None:
        env["ATOM_DATABASE_URL"] = s.database_url  # the home's SQLite file: a path, no secret
    env.update(
        {
            "ATOM_HOME": str(s.home),
            "ATOM_WAREHOUSE": str(s.warehouse_path),
            "ATOM_SERVING": str(s.serving_path),
            "ATOM_PRICE_BOOK": str(s.price_book_path),
            "DAGSTER_HOME": str(s.dagster_home),
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
            # Without it Dagster stores batchable events one at a time (orchestration/event_log.py).
            "DAGSTER_EVENT_BATCH_SIZE": DAGSTER_EVENT_BATCH_SIZE,
        }
    )
    if s.atom_today is not None:
        env["ATOM_TODAY"] = s.atom_today.isoformat()
    if s.dagster_postgres_url is not None:  # read by the instance's dagster.yaml (dagster_instance_yaml)
        env["DAGSTER_PG_URL"] = s.dagster_postgres_url
    env["DBT_TARGET"] = s.dbt_target
    if s.atom_engine == "spark":
        env.update({"ATOM_SPARK_MASTER": s.atom_spark_master, "ATOM_SPARK_LAKE": s.spark_lake})
        env["ATOM_SPARK_DIR"] = str(s.spark_dir)
        if s.atom_spark_thrift_url:
            host, port, user = s.spark_thrift_endpoint()
            env.update(
                {
                    "ATOM_SPARK_THRIFT_HOST": host,
                    "ATOM_SPARK_THRIFT_PORT": str(port),
                    "ATOM_SPARK_THRIFT_USER": user,
                }
            )
    env.update(overrides)
    return env


def export_to_process(**variables: str) -> None:
    """Set variables in this process's environment, for libraries that read it there and for the children
    it starts (uvicorn's workers, say)."""
    os.environ.update(variables)
    reset_settings_cache()


def apply_to_process_env(settings: Settings | None = None) -> None:
    """Export the resolved paths into this process, for libraries (dbt) that read them there (secrets
    from a file or the vault are not exported: see :func:`subprocess_env`)."""
    os.environ.update(subprocess_env(settings))
