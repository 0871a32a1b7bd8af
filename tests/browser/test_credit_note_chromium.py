"""Finance issues a credit note on the billing desk in Chromium and, after the next build, sees AR fall by it
(issue 15 item 8): a real built small marketplace, its September closed by the real billing partition."""

from __future__ import annotations

import re
import socket
from decimal import Decimal
from pathlib import Path

import pytest

from atom.settings import Settings
from tests.billing.conftest import CLOSED, billing_home, built_home  # noqa: F401 (fixtures)
from tools.screenshots import CHROMIUM, CHROMIUM_ARGS, running_portal, wait_until_rendered

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _open_receivables(page) -> Decimal:  # type: ignore[no-untyped-def]
    text = page.get_by_test_id("stMetric").filter(has_text="Open receivables").inner_text()
    match = re.search(r"\$([\d,]+\.\d{2})", text)
    assert match, text
    return Decimal(match.group(1).replace(",", ""))


def test_finance_issues_a_credit_note_and_sees_ar_fall_after_the_next_build_in_chromium(
    billing_home: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import sync_playwright

    from atom.opdb import make_engine, session_scope
    from atom.opdb.billing import Invoice
    from atom.opdb.marketplace_ops import CreditNote
    from orchestration.defs.billing import run_billing_partition
    from orchestration.run import run_build
    from tests.app.opdb_seed import seed_account
    from tools.screenshots import open_page, sign_in

    assert run_billing_partition(CLOSED).success
    assert run_build().success  # the snapshot now holds September's invoices in AR
    engine = make_engine(billing_home.database_url)
    with session_scope(engine) as session:
        first = session.query(Invoice).filter(Invoice.period == CLOSED, Invoice.document_type == "invoice")
        invoice = first.order_by(Invoice.number).first()
        assert invoice is not None and invoice.total_minor >= 100
        number = invoice.number
    seed_account("fin@example.com", "finance", "credit-where-due")

    with running_portal(_free_port()) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(url)
        sign_in(page, "fin@example.com", "credit-where-due")
        open_page(page, "Billing desk")
        before = _open_receivables(page)

        page.get_by_role("tab", name="Issue a credit note").click()
        amount = page.get_by_role("textbox", name="Amount")
        amount.fill("1.00")
        amount.press("Enter")
        reason = page.get_by_role("textbox", name="Reason")
        reason.fill("Chromium goodwill")
        reason.press("Enter")
        wait_until_rendered(page)
        page.get_by_role("button", name="Issue credit note").click()
        page.wait_for_selector("text=/Credit note ATOM-/", timeout=60_000)

        assert run_build().success  # the next build: the credit note reaches the marts
        # Client-side navigation keeps the signed-in session (a reload would start a new one).
        open_page(page, "Revenue")
        open_page(page, "Billing desk")
        after = _open_receivables(page)
        page.screenshot(path=str(tmp_path / "credit_note.png"), full_page=True)
        browser.close()

    assert before - after == Decimal("1.00"), (before, after)
    with session_scope(engine) as session:
        [note] = session.query(CreditNote).all()
        # The invoice offered first: the newest month's lowest number.
        assert (note.invoice_number, note.amount_minor, note.created_by) == (number, 100, "fin@example.com")
    engine.dispose()
