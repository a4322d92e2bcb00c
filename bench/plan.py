"""What the benchmark tenant holds at a given scale, and which numbers play which part.

At scale 1 the big tenant has 1,000,000 invoices, 200,000 payments, 20,000 batches,
1,000,000 audit entries and 100,000 unlock requests; the small tenant holds 1% of its
records, so that lookup cost can be compared across a 100x difference in size.
"""

from dataclasses import dataclass, field

BIG = "bench-big"
SMALL = "bench-small"
# Bump when the shape of the data changes, so an old data set is regenerated.
DATA_VERSION = 1

AGENT_EMAIL = "agent@bench.example"
AGENT_PASSWORD = "bench-agent-password"  # noqa: S105 - a bench-only account
API_CLIENT = "bench-helpdesk"
API_KEY = "bench-helpdesk-key-00000000000000000000"
PIN = "482913"

BULK_SIZES = (100, 1_000, 10_000, 100_000)
VERIFY_POOL = 40  # bypassed invoices the verify measurement unlocks, one per approval
OPEN_POOL = 50  # imported invoices the open load names (opening changes nothing)


def scaled(n, scale):
    return max(1, round(n * scale))


def admin_email(slug):
    return f"admin@{slug}.bench.example"


@dataclass
class TenantPlan:
    slug: str
    invoices: int
    payments: int
    batches: int
    audit_entries: int
    requests: int
    bulk_sizes: tuple = ()
    verify_pool: int = 0
    open_pool: int = 0
    # Derived below: invoice numbers 1.. are laid out in this order.
    bulk_invoices: list = field(default_factory=list)
    bulk_payments: list = field(default_factory=list)

    def __post_init__(self):
        self.bulk_invoices = [size - size // 6 for size in self.bulk_sizes]
        self.bulk_payments = [size // 6 for size in self.bulk_sizes]
        needed = sum(self.bulk_invoices) + self.verify_pool + self.open_pool + 1
        if self.invoices < needed or self.payments < sum(self.bulk_payments):
            raise ValueError(
                f"{self.slug}: {self.invoices} invoices cannot hold the bulk batches and "
                "pools; raise BENCH_SCALE."
            )
        if self.batches <= len(self.bulk_sizes):
            raise ValueError(f"{self.slug}: too few batches for the bulk batches.")

    @property
    def name_marker(self):
        return f"v{DATA_VERSION} {self.invoices}/{self.payments}/{self.batches}"

    @property
    def regular_batches(self):
        return self.batches - len(self.bulk_sizes)

    def bulk_batch_number(self, size):
        return f"B-BULK-{size}"

    def invoice_number(self, i):
        return f"INV-{i:07d}"

    def payment_number(self, i):
        return f"PAY-{i:07d}"

    @property
    def verify_numbers(self):
        start = sum(self.bulk_invoices) + 1
        return [self.invoice_number(i) for i in range(start, start + self.verify_pool)]

    @property
    def open_numbers(self):
        start = sum(self.bulk_invoices) + self.verify_pool + 1
        return [self.invoice_number(i) for i in range(start, start + self.open_pool)]

    @property
    def first_regular_invoice(self):
        return sum(self.bulk_invoices) + self.verify_pool + self.open_pool + 1


def plan_for(scale):
    """The two tenants at `scale`; the bulk batch sizes shrink with it."""
    sizes = tuple(sorted({scaled(s, scale) for s in BULK_SIZES}))
    big = TenantPlan(
        slug=BIG,
        invoices=scaled(1_000_000, scale),
        payments=scaled(200_000, scale),
        batches=max(scaled(20_000, scale), len(sizes) + 2),
        audit_entries=scaled(1_000_000, scale),
        requests=scaled(100_000, scale),
        bulk_sizes=sizes,
        verify_pool=VERIFY_POOL,
        open_pool=OPEN_POOL,
    )
    small = TenantPlan(
        slug=SMALL,
        invoices=max(scaled(10_000, scale), 2),
        payments=max(scaled(2_000, scale), 1),
        batches=max(scaled(200, scale), 2),
        audit_entries=max(scaled(10_000, scale), 1),
        requests=max(scaled(1_000, scale), 1),
    )
    return [big, small]
