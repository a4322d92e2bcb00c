"""Amounts and records as people read them, written by `unlocks.money`:
`{{ cents|money:currency }}` and `{{ record|identity:currency }}`."""

from django import template

from unlocks import money as written

register = template.Library()


@register.filter
def money(cents, currency):
    """An amount as people read it ("$1,637.50" for 163750 cents in USD); nothing for a
    record without one."""
    if cents is None or cents == "":
        return ""
    return written.format_money(cents, currency)


@register.filter
def identity(record, currency):
    """What people confirm a record by ("Jones Residence · $410.00 · issued 2026-11-03",
    a batch's "3 transactions, $1,637.50"); nothing where there is no record."""
    if record is None or record == "":
        return ""
    return written.identity(record, currency)
