"""The Python SDK's issue-15 calls against a real ``atom serve`` (tests/sdk/live_server.py): a tenant
downloads a package and gets the bytes only once the signature verifies (against the publisher's keys from
the API or against pinned keys), installs it; a partner sets its payout account and reads a statement; an
admin voids an invoice and issues credit notes. Amounts are computed by hand (see
tests/api/test_invoice_corrections_and_statements.py for the closed month)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace

import pytest
from atom_sdk import (
    Client,
    ConflictError,
    NotFoundError,
    SignatureVerificationError,
    ValidationError,
    keys,
)

from atom.opdb import make_engine, record_submission_outcome, session_scope
from atom.settings import Settings
from tests.api.test_invoice_corrections_and_statements import close_month
from tests.sdk.conftest import write_package
from tests.sdk.live_server import LiveServer, start


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("sdk-ops") / "home"
    server = start(home, generate=False, tenants=("ten_acme", "ten_beta"), publishers=("acme",))
    settings = Settings(ATOM_HOME=str(home))  # type: ignore[call-arg]
    close_month(SimpleNamespace(settings=settings))  # type: ignore[arg-type]
    yield server
    server.stop()


def _approve(live: LiveServer, submission_id: str) -> None:
    settings = Settings(ATOM_HOME=str(live.home))  # type: ignore[call-arg]
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            record_submission_outcome(
                session, submission_id, status="approved", decision="approve", report={}, risk_score=0.1
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def published(live: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, keys.KeyPair]:
    pair = keys.generate()
    root = write_package(tmp_path_factory.mktemp("pkg") / "hello", name="hello-sdk", publisher="acme")
    with Client(live.key("publisher", "acme"), base_url=live.url) as publisher:
        publisher.publishers.register_key("acme", pair.public_pem)
        path = publisher.packages.build(root)
        receipt = publisher.packages.publish(path, publisher.packages.sign(path, pair.private_pem))
    _approve(live, receipt.submission_id)
    return path.read_bytes(), pair


def test_download_verifies_against_the_publishers_keys_then_installs(
    live: LiveServer, published: tuple[bytes, keys.KeyPair]
) -> None:
    data, pair = published
    with Client(live.key("tenant", "ten_acme"), base_url=live.url) as tenant:
        assert tenant.packages.download("hello-sdk", "1.2.0") == data
        assert tenant.packages.download("hello-sdk", "1.2.0", public_keys=[pair.public_pem]) == data
        [key] = tenant.publishers.public_keys("acme")
        assert key.key_id == keys.key_id(pair.public_pem)
        install = tenant.packages.install("hello-sdk", "1.2.0")
        assert (install.tenant_id, install.version) == ("ten_acme", "1.2.0")
        with pytest.raises(NotFoundError):
            tenant.packages.download("hello-sdk", "9.0.0")


def test_a_signature_by_another_key_is_refused_and_no_bytes_come_back(
    live: LiveServer, published: tuple[bytes, keys.KeyPair]
) -> None:
    stranger = keys.generate("ed25519")
    with (
        Client(live.key("tenant", "ten_beta"), base_url=live.url) as tenant,
        pytest.raises(SignatureVerificationError, match="does not verify"),
    ):
        tenant.packages.download("hello-sdk", "1.2.0", public_keys=[stranger.public_pem])
    assert keys.verify_bytes(
        published[0], keys.sign_bytes(published[0], stranger.private_pem), stranger.public_pem
    )
    tampered = published[0] + b"\0"
    assert hashlib.sha256(tampered).digest() != hashlib.sha256(published[0]).digest()
    signature = keys.sign_bytes(published[0], published[1].private_pem)
    assert not keys.verify_bytes(tampered, signature, published[1].public_pem)


def test_payout_account_statement_void_and_credit_notes(live: LiveServer) -> None:
    with (
        Client(live.key("publisher", "acme"), base_url=live.url) as partner,
        Client(live.admin_key, base_url=live.url) as admin,
    ):
        account = partner.publishers.set_payout_account("acme", "acct_1SdkAcme")
        assert account.stripe_account_id == "acct_1SdkAcme"
        with pytest.raises(ValidationError):
            partner.publishers.set_payout_account("acme", "not-an-account")
        statement = partner.publishers.statement("acme", "2026-10")
        assert statement.currency == "usd"
        assert [
            (s.package_id, s.gross_amount, s.payout_amount, s.platform_fee_amount) for s in statement.lines
        ] == [("pkg_slack", Decimal("30.50"), Decimal("21.35"), Decimal("9.15"))]
        assert statement.payout_amount == Decimal("21.35") and statement.transfer_id is None

        voided = admin.invoices.void("ATOM-202610-00002")
        assert voided.status == "void"
        with pytest.raises(ConflictError):
            admin.invoices.void("ATOM-202610-00002")
        note = admin.invoices.credit_note("ATOM-202610-00001", Decimal("19.99"), "outage")
        assert (note.amount, note.remaining) == (Decimal("19.99"), Decimal("49.01"))
        with pytest.raises(ValidationError) as refused:
            admin.invoices.credit_note("ATOM-202610-00001", "49.02", "too much")
        assert refused.value.reason == "exceeds_invoice"
