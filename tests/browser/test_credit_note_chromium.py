"""Finance issues a credit note on the billing desk in Chromium and, after the next build, sees AR fall by it
(issue 15 item 8): a real built small marketplace, its September closed by the real billing partition."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from atom.settings import Settings
from tests.billing.conftest import CLOSED, billing_home, built_home  # noqa: F401 (fixtures)
from tests.browser.conftest import BROWSER_MARKS, signed_in_page
from tools.screenshots import wait_until_rendered

pytestmark = BROWSER_MARKS


def _open_receivables(page) -> Decimal:  # type: ignore[no-untyped-def]
    text = page.get_by_test_id("stMetric").filter(has_text="Open receivables").inner_text()
    match = re.search(r"\$([\d,]+\.\d{2})", text)
    assert match, text
    return Decimal(match.group(1).replace(",", ""))


def test_finance_issues_a_credit_note_and_sees_ar_fall_after_the_next_build_in_chromium(
    billing_home: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:

    from atom.opdb import make_engine, session_scope
    from atom.opdb.billing import Invoice
    from atom.opdb.marketplace_ops import CreditNote
    from orchestration.defs.billing import run_billing_partition
    from orchestration.run import run_build
    from tests.app.opdb_seed import seed_account
    from tools.screenshots import open_page

    assert run_billing_partition(CLOSED).success
    assert run_build().success  # the snapshot now holds September's invoices in AR
    engine = make_engine(billing_home.database_url)
    with session_scope(engine) as session:
        first = session.query(Invoice).filter(Invoice.period == CLOSED, Invoice.document_type == "invoice")
        invoice = first.order_by(Invoice.number).first()
        assert invoice is not None and invoice.total_minor >= 100
        number = invoice.number
    seed_account("fin@example.com", "finance", "credit-where-due")

    with signed_in_page("fin@example.com", "credit-where-due") as page:
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

    assert before - after == Decimal("1.00"), (before, after)
    with session_scope(engine) as session:
        [note] = session.query(CreditNote).all()
        # The invoice offered first: the newest month's lowest number.
        assert (note.invoice_number, note.amount_minor, note.created_by) == (number, 100, "fin@example.com")
    engine.dispose()
