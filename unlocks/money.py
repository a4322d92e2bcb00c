"""Amounts of money as people read them and as the API gives them: the one place for both.

An amount is kept as integer cents, hundredths of the tenant's currency (every currency a
tenant may keep its books in has two decimals), and never passes through a float.
"""

from dataclasses import dataclass
from decimal import Decimal

# How each currency is written in English (CLDR's "en" symbols). The other dollars carry
# their country, so that an agent who serves tenants in several never mistakes one for USD.
SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "EUR": "€", "GBP": "£"}


def _cents(cents):
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"An amount is a whole number of cents, not {cents!r}.")
    return cents


def decimal_amount(cents) -> Decimal:
    """The amount in the currency's units, exactly: Decimal("410.00") for 41000 cents."""
    return Decimal(_cents(cents)).scaleb(-2)


def cents_of(amount) -> int:
    """The cents of a decimal amount as `decimal_amount` writes it: 163750 for "1637.50"."""
    value = Decimal(amount)
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{amount!r} is not an amount in cents.")
    return int(value.scaleb(2))


def format_money(cents, currency) -> str:
    """The amount as a person reads it: "$1,637.50" for 163750 cents in USD, "€410.00" in
    EUR, "-$5.00" for a credit; a currency without a symbol here gets its code after."""
    units, hundredths = divmod(abs(_cents(cents)), 100)
    sign = "-" if cents < 0 else ""
    number = f"{units:,}.{hundredths:02d}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def identity(record, currency) -> str:
    """What people confirm a record by, in words: "Jones Residence · $410.00 · issued
    2026-11-03" for an invoice ("paid" for a payment), "3 transactions, $1,637.50" for a
    batch. `record` has a record_type and, as `UnlockTarget` gives them, a transaction's
    customer, amount_cents and date or a batch's transaction_count and total_cents."""
    if record.record_type == "batch":
        count = record.transaction_count
        if not count:
            return "no transactions"
        plural = "" if count == 1 else "s"
        return f"{count} transaction{plural}, {format_money(record.total_cents, currency)}"
    parts = [record.customer] if record.customer else []
    parts.append(format_money(record.amount_cents, currency))
    dated = "issued" if record.record_type == "invoice" else "paid"
    parts.append(f"{dated} {record.date.isoformat()}")
    return " · ".join(parts)


@dataclass(frozen=True)
class Total:
    """How many transactions, and their sum: what an unlock reopens of a tenant's books."""

    transactions: int
    cents: int
    currency: str

    @property
    def amount(self) -> str:
        return format_money(self.cents, self.currency)

    @property
    def decimal(self) -> Decimal:
        return decimal_amount(self.cents)

    def __str__(self):
        if self.transactions == 1:
            return f"1 record, {self.amount}"
        return f"{self.transactions} records, {self.amount} in all"
