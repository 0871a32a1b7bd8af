"""A credit note on a partly paid invoice (decision 0703): Stripe takes off the amount due only what is still
unpaid, and wants the rest, money already paid, allocated to the customer's credit balance."""

from __future__ import annotations

from atom.opdb.billing import Invoice
from atom.opdb.marketplace_ops import CreditNote
from billing.stripe_sync import credit_note_params


def _invoice(status: str, paid: int, total: int = 10_000) -> Invoice:
    return Invoice(
        number="ATOM-202610-00001",
        status=status,
        total_minor=total,
        amount_paid_minor=paid,
        stripe_invoice_id="in_1",
    )


def _note(amount: int) -> CreditNote:
    return CreditNote(number="ATOM-202610-00003", amount_minor=amount, reason="Outage")


def test_a_credit_within_what_is_unpaid_only_lowers_the_amount_due() -> None:
    # 100.00, 40.00 paid: the 60.00 left can be credited off the amount due.
    assert "credit_amount" not in credit_note_params(_invoice("finalized", 4_000), _note(6_000))


def test_a_credit_beyond_what_is_unpaid_sends_the_paid_part_to_the_credit_balance() -> None:
    # 100.00, 40.00 paid, 20.00 credited earlier: 40.00 is unpaid, so 10.00 of a 50.00 credit was paid money.
    params = credit_note_params(_invoice("finalized", 4_000), _note(5_000), credited_before_minor=2_000)
    assert (params["amount"], params["credit_amount"]) == (5_000, 1_000)


def test_a_credit_on_a_paid_invoice_goes_wholly_to_the_credit_balance() -> None:
    params = credit_note_params(_invoice("paid", 10_000), _note(2_500))
    assert params["credit_amount"] == 2_500
