"""Secrets (DESIGN 4): SecretStr settings, <NAME>_FILE, Vault/OpenBao KV v2 with a token or AppRole.

Every vault test talks to the real OpenBao dev server of ``conftest.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from atom.secrets import SecretsError, clear_vault_cache
from atom.settings import Settings, get_settings, reset_settings_cache, secret_names, subprocess_env
from tests.secrets.conftest import Bao

PG_URL = "postgresql+psycopg://atom@db.internal:5432/atom"


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def vault_path(bao: Bao, values: dict[str, str]) -> str:
    """A fresh KV v2 secret holding ``values``; its ATOM_VAULT_PATH."""
    path = "atom-" + uuid.uuid4().hex[:12]
    bao.write(path, values)
    return f"secret/{path}"


def use_vault(monkeypatch: pytest.MonkeyPatch, bao: Bao, path: str, token: str | None = None) -> None:
    monkeypatch.setenv("VAULT_ADDR", bao.addr)
    monkeypatch.setenv("VAULT_TOKEN", token or bao.root_token)
    monkeypatch.setenv("ATOM_VAULT_PATH", path)


def assert_hidden(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, "a secret value was shown"


def test_no_secret_setting_shows_its_value_in_repr_str_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "STRIPE_API_KEY": unique("sk_test"),
        "STRIPE_WEBHOOK_SECRET": unique("whsec"),
        "ATOM_DATABASE_PASSWORD": unique("dbpw"),
        "VAULT_TOKEN": unique("hvs"),
        "VAULT_SECRET_ID": unique("sid"),
    }
    url_password = unique("urlpw")
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ATOM_DATABASE_URL", f"postgresql+psycopg://atom:{url_password}@db.internal/atom")
    settings = Settings()
    shown = "\n".join(
        [repr(settings), str(settings), settings.model_dump_json(), repr(settings.model_dump())]
    )
    assert_hidden(shown, *values.values(), url_password)
    assert "postgresql+psycopg://atom:***@db.internal/atom" in repr(settings)  # which server, still
    assert settings.database_url_display == "postgresql+psycopg://atom:***@db.internal/atom"
    # At the point of use the values are there.
    assert settings.stripe_api_key is not None
    assert settings.stripe_api_key.get_secret_value() == values["STRIPE_API_KEY"]
    assert url_password in settings.database_url


def test_the_database_password_setting_goes_into_a_url_without_one(monkeypatch: pytest.MonkeyPatch) -> None:
    password = unique("p@ss/word")  # characters a URL must escape
    monkeypatch.setenv("ATOM_DATABASE_URL", PG_URL)
    monkeypatch.setenv("ATOM_DATABASE_PASSWORD", password)
    settings = Settings()
    from sqlalchemy.engine import make_url

    assert make_url(settings.database_url).password == password
    assert settings.database_url_display == "postgresql+psycopg://atom:***@db.internal:5432/atom"
    # A URL that has a password keeps it; the default SQLite file takes none.
    monkeypatch.setenv("ATOM_DATABASE_URL", "postgresql+psycopg://atom:own@db.internal/atom")
    assert make_url(Settings().database_url).password == "own"
    monkeypatch.delenv("ATOM_DATABASE_URL")
    assert Settings().database_url.startswith("sqlite:///")


def test_a_secret_file_is_read_less_its_trailing_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, webhook = unique("sk_test"), unique("whsec")
    (tmp_path / "key").write_text(key + "\n")  # as `echo "$KEY" > file` and most secret stores write it
    (tmp_path / "webhook").write_text(webhook)
    (tmp_path / "url").write_text(PG_URL + "\r\n")
    monkeypatch.setenv("STRIPE_API_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET_FILE", str(tmp_path / "webhook"))
    monkeypatch.setenv("ATOM_DATABASE_URL_FILE", str(tmp_path / "url"))
    settings = Settings()
    assert settings.stripe_api_key is not None and settings.stripe_webhook_secret is not None
    assert settings.stripe_api_key.get_secret_value() == key
    assert settings.stripe_webhook_secret.get_secret_value() == webhook
    assert settings.database_url == PG_URL
    assert_hidden(repr(settings), key, webhook)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p / "absent", "does not exist"),
        (lambda p: p, "is a folder"),
        (lambda p: (p / "empty").write_text("\n") and p / "empty", "is empty"),
    ],
)
def test_a_secret_file_that_cannot_be_used_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make, expected: str
) -> None:
    path = make(tmp_path)
    monkeypatch.setenv("STRIPE_API_KEY_FILE", str(path))
    with pytest.raises(SecretsError, match=expected) as info:
        Settings()
    assert "STRIPE_API_KEY_FILE" in str(info.value) and str(path) in str(info.value)


def test_token_auth_reads_each_secret_from_kv_v2_by_its_variable_name(
    bao: Bao, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, webhook, password = unique("sk_test"), unique("whsec"), unique("dbpw")
    path = vault_path(
        bao,
        {
            "STRIPE_API_KEY": key,
            "STRIPE_WEBHOOK_SECRET": webhook,
            "ATOM_DATABASE_URL": PG_URL,
            "ATOM_DATABASE_PASSWORD": password,
            "SOMETHING_ELSE": "ignored",
        },
    )
    token = bao.token([f"{path.replace('secret/', 'secret/data/', 1)}"])  # a least-privilege token
    use_vault(monkeypatch, bao, path, token)
    settings = Settings()
    assert settings.stripe_api_key is not None and settings.stripe_webhook_secret is not None
    assert settings.stripe_api_key.get_secret_value() == key
    assert settings.stripe_webhook_secret.get_secret_value() == webhook
    assert settings.database_url == f"postgresql+psycopg://atom:{password}@db.internal:5432/atom"
    assert_hidden(repr(settings), key, webhook, password, token)


def test_the_default_path_is_secret_atom(bao: Bao, monkeypatch: pytest.MonkeyPatch) -> None:
    webhook = unique("whsec")
    bao.write("atom", {"STRIPE_WEBHOOK_SECRET": webhook})
    monkeypatch.setenv("VAULT_ADDR", bao.addr)
    monkeypatch.setenv("VAULT_TOKEN", bao.root_token)
    settings = Settings()
    assert settings.stripe_webhook_secret is not None
    assert settings.stripe_webhook_secret.get_secret_value() == webhook


def test_approle_auth_signs_in_and_reads_the_secrets(bao: Bao, monkeypatch: pytest.MonkeyPatch) -> None:
    webhook = unique("whsec")
    path = vault_path(bao, {"STRIPE_WEBHOOK_SECRET": webhook})
    role_id, secret_id = bao.approle("atom-app", [path.replace("secret/", "secret/data/", 1)])
    monkeypatch.setenv("VAULT_ADDR", bao.addr)
    monkeypatch.setenv("VAULT_ROLE_ID", role_id)
    monkeypatch.setenv("VAULT_SECRET_ID", secret_id)
    monkeypatch.setenv("ATOM_VAULT_PATH", path)
    settings = Settings()
    assert settings.stripe_webhook_secret is not None
    assert settings.stripe_webhook_secret.get_secret_value() == webhook
    assert_hidden(repr(settings), webhook, secret_id)

    # A wrong secret id: a clear error that does not echo it.
    clear_vault_cache()
    wrong = unique("wrong-secret-id")
    monkeypatch.setenv("VAULT_SECRET_ID", wrong)
    with pytest.raises(SecretsError, match="AppRole") as info:
        Settings()
    assert_hidden(str(info.value), wrong, role_id)


def test_a_variable_beats_its_file_which_beats_the_vault(
    bao: Bao, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = vault_path(
        bao,
        {
            "STRIPE_API_KEY": "from-vault-key",
            "STRIPE_WEBHOOK_SECRET": "from-vault-webhook",
            "ATOM_DATABASE_PASSWORD": "from-vault-password",
        },
    )
    use_vault(monkeypatch, bao, path)
    (tmp_path / "key").write_text("from-file-key\n")
    (tmp_path / "webhook").write_text("from-file-webhook\n")
    monkeypatch.setenv("STRIPE_API_KEY", "from-env-key")
    monkeypatch.setenv("STRIPE_API_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET_FILE", str(tmp_path / "webhook"))
    settings = Settings()
    assert settings.stripe_api_key is not None and settings.stripe_webhook_secret is not None
    assert settings.atom_database_password is not None
    assert settings.stripe_api_key.get_secret_value() == "from-env-key"
    assert settings.stripe_webhook_secret.get_secret_value() == "from-file-webhook"
    assert settings.atom_database_password.get_secret_value() == "from-vault-password"
    # And the vault token itself may come from a file (a mounted Kubernetes secret).
    (tmp_path / "token").write_text(bao.root_token + "\n")
    monkeypatch.delenv("VAULT_TOKEN")
    monkeypatch.setenv("VAULT_TOKEN_FILE", str(tmp_path / "token"))
    clear_vault_cache()
    assert Settings().atom_database_password.get_secret_value() == "from-vault-password"  # type: ignore[union-attr]


def test_when_every_secret_is_given_the_vault_is_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in secret_names():
        if name not in ("VAULT_TOKEN", "VAULT_SECRET_ID"):
            monkeypatch.setenv(name, "given")
    monkeypatch.setenv("VAULT_ADDR", "http://127.0.0.1:9")  # nothing listens: asking would fail
    monkeypatch.setenv("VAULT_TOKEN", "unused")
    assert Settings().stripe_api_key is not None


def test_the_vault_is_read_once_per_process(bao: Bao, monkeypatch: pytest.MonkeyPatch) -> None:
    path = vault_path(bao, {"STRIPE_WEBHOOK_SECRET": "first"})
    use_vault(monkeypatch, bao, path)
    assert get_settings().stripe_webhook_secret.get_secret_value() == "first"  # type: ignore[union-attr]
    bao.write(path.removeprefix("secret/"), {"STRIPE_WEBHOOK_SECRET": "second"})
    reset_settings_cache()  # settings are rebuilt (the CLI and tests do it), the vault is not asked again
    assert get_settings().stripe_webhook_secret.get_secret_value() == "first"  # type: ignore[union-attr]
    clear_vault_cache()
    reset_settings_cache()
    assert get_settings().stripe_webhook_secret.get_secret_value() == "second"  # type: ignore[union-attr]


def test_a_missing_vault_path_is_a_clear_error(bao: Bao, monkeypatch: pytest.MonkeyPatch) -> None:
    use_vault(monkeypatch, bao, "secret/no-such-" + uuid.uuid4().hex[:8])
    with pytest.raises(SecretsError) as info:
        Settings()
    message = str(info.value)
    assert "no secret" in message and "secret/no-such-" in message and "ATOM_VAULT_PATH" in message
    assert_hidden(message, bao.root_token)


def test_permission_denied_is_a_clear_error_without_the_token(
    bao: Bao, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = vault_path(bao, {"STRIPE_WEBHOOK_SECRET": unique("whsec")})
    token = bao.token(["secret/data/somewhere-else"])
    use_vault(monkeypatch, bao, path, token)
    with pytest.raises(SecretsError, match="permission denied") as info:
        Settings()
    assert_hidden(str(info.value), token)
    assert path in str(info.value)


def test_an_unreachable_vault_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.secrets.conftest import free_port

    token = unique("hvs")
    monkeypatch.setenv("VAULT_ADDR", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("VAULT_TOKEN", token)
    with pytest.raises(SecretsError, match="unreachable") as info:
        Settings()
    assert_hidden(str(info.value), token)
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no chained hvac error


def test_a_vault_address_without_credentials_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_ADDR", "http://127.0.0.1:8200")
    with pytest.raises(SecretsError, match="neither VAULT_TOKEN nor VAULT_ROLE_ID"):
        Settings()


def test_the_cli_reports_a_vault_error_in_one_line_without_a_traceback(tmp_path: Path, bao: Bao) -> None:
    env = _child_env(tmp_path)
    env.update(VAULT_ADDR=bao.addr, VAULT_TOKEN=bao.root_token, ATOM_VAULT_PATH="secret/absent-path")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "atom"), "keys", "create", "--role", "admin", "--subject", "x"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "error:" in result.stderr and "no secret" in result.stderr
    assert "Traceback" not in result.stderr
    assert_hidden(result.stderr + result.stdout, bao.root_token)


def _child_env(tmp_path: Path) -> dict[str, str]:
    import os

    from tests.secrets.conftest import ISOLATED

    drop = (*ISOLATED, *(f"{n}_FILE" for n in ISOLATED))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_")) and k not in drop}
    env["ATOM_HOME"] = str(tmp_path / "home")
    return env


CHILD = (
    "import json; from atom.settings import get_settings; s = get_settings(); "
    "print(json.dumps({'key': s.stripe_api_key.get_secret_value(), "
    "'webhook': s.stripe_webhook_secret.get_secret_value(), 'db': s.database_url}))"
)


def test_children_read_file_and_vault_secrets_themselves_none_is_put_in_their_environment(
    bao: Bao, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, webhook, password = unique("sk_test"), unique("whsec"), unique("dbpw")
    path = vault_path(bao, {"STRIPE_WEBHOOK_SECRET": webhook, "ATOM_DATABASE_PASSWORD": password})
    use_vault(monkeypatch, bao, path)
    (tmp_path / "key").write_text(key + "\n")
    monkeypatch.setenv("STRIPE_API_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("ATOM_DATABASE_URL", PG_URL)
    monkeypatch.setenv("ATOM_HOME", str(tmp_path / "home"))
    env = subprocess_env(Settings())
    # The one exception: Dagster's own processes read their PostgreSQL storage URL from DAGSTER_PG_URL
    # (dagster.yaml says `env: DAGSTER_PG_URL`), so it is exported, password included (decision 0072).
    assert "DAGSTER_PG_URL" in env
    assert_hidden(json.dumps({k: v for k, v in env.items() if k != "DAGSTER_PG_URL"}), key, webhook, password)
    child = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr[-2000:]
    seen = json.loads(child.stdout)
    assert seen == {
        "key": key,
        "webhook": webhook,
        "db": f"postgresql+psycopg://atom:{password}@db.internal:5432/atom",
    }


def test_a_secret_given_to_settings_itself_is_passed_on_to_children(tmp_path: Path) -> None:
    settings = Settings(ATOM_HOME=str(tmp_path), STRIPE_WEBHOOK_SECRET="given-in-code")  # type: ignore[call-arg]
    env = subprocess_env(settings)
    assert env["STRIPE_WEBHOOK_SECRET"] == "given-in-code"
    assert env["ATOM_DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'atom.db'}"
