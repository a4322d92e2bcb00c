"""Amounts are written in one place, from integer cents: for people and for the API."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template

from accounts.models import Currency
from unlocks.money import Total, cents_of, decimal_amount, format_money, identity


@pytest.mark.parametrize(
    ("cents", "currency", "written"),
    [
        (41000, "USD", "$410.00"),
        (163750, "USD", "$1,637.50"),
        (5, "USD", "$0.05"),
        (0, "USD", "$0.00"),
        (123456789012, "USD", "$1,234,567,890.12"),
        (-500, "USD", "-$5.00"),
        (41000, "EUR", "€410.00"),
        (163750, "GBP", "£1,637.50"),
        (41000, "CAD", "CA$410.00"),
        (41000, "AUD", "A$410.00"),
        (41000, "NZD", "NZ$410.00"),
    ],
)
def test_it_writes_an_amount_as_people_read_it(cents, currency, written):
    assert format_money(cents, currency) == written


def test_a_currency_without_a_symbol_gets_its_code_after_the_number():
    assert format_money(163750, "CHF") == "1,637.50 CHF"


def test_every_currency_a_tenant_may_keep_has_a_symbol():
    assert all(not format_money(100, code).endswith(code) for code in Currency.values)


@pytest.mark.parametrize("not_cents", [410.0, Decimal("410.00"), "41000", True, None])
def test_it_takes_only_whole_cents_never_a_float(not_cents):
    with pytest.raises(TypeError):
        format_money(not_cents, "USD")
    with pytest.raises(TypeError):
        decimal_amount(not_cents)


def test_the_api_form_is_an_exact_decimal_and_reads_back():
    assert decimal_amount(41000) == Decimal("410.00")
    assert str(decimal_amount(163750)) == "1637.50"
    assert str(decimal_amount(7)) == "0.07"
    assert str(decimal_amount(-41000)) == "-410.00"
    # Beyond what a float holds exactly.
    assert str(decimal_amount(9_007_199_254_740_993)) == "90071992547409.93"
    assert cents_of("1637.50") == 163750
    assert cents_of(str(decimal_amount(9_007_199_254_740_993))) == 9_007_199_254_740_993


def test_it_refuses_to_read_a_fraction_of_a_cent():
    with pytest.raises(ValueError, match="not an amount in cents"):
        cents_of("1.005")


def test_a_total_says_how_many_records_and_how_much():
    assert str(Total(transactions=3, cents=163750, currency="USD")) == (
        "3 records, $1,637.50 in all"
    )
    assert str(Total(transactions=1, cents=41000, currency="GBP")) == "1 record, £410.00"
    assert Total(transactions=2, cents=100, currency="USD").decimal == Decimal("1.00")


def test_a_record_is_told_by_its_customer_amount_and_date():
    invoice = SimpleNamespace(
        record_type="invoice",
        customer="Jones Residence",
        amount_cents=41000,
        date=date(2026, 11, 3),
    )
    payment = SimpleNamespace(
        record_type="payment", customer="", amount_cents=41000, date=date(2026, 11, 10)
    )
    batch = SimpleNamespace(record_type="batch", transaction_count=3, total_cents=163750)
    empty = SimpleNamespace(record_type="batch", transaction_count=0, total_cents=0)

    assert identity(invoice, "USD") == "Jones Residence · $410.00 · issued 2026-11-03"
    assert identity(payment, "EUR") == "€410.00 · paid 2026-11-10"
    assert identity(batch, "USD") == "3 transactions, $1,637.50"
    assert identity(empty, "USD") == "no transactions"


def test_the_template_filters_write_with_the_same_function():
    template = Template("{% load money %}{{ cents|money:currency }} | {{ none|money:currency }}")
    assert template.render(Context({"cents": 163750, "currency": "EUR", "none": None})) == (
        "€1,637.50 | "
    )
    invoice = SimpleNamespace(
        record_type="invoice", customer="A & B", amount_cents=100, date=date(2026, 1, 2)
    )
    rendered = Template("{% load money %}{{ r|identity:'USD' }}").render(Context({"r": invoice}))
    assert rendered == "A &amp; B · $1.00 · issued 2026-01-02"
