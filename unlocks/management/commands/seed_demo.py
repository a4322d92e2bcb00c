"""Create exactly the demo dataset of DEMO.md; running it again changes nothing."""

from base64 import b32decode
from datetime import date

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.apps import SUPPORT_AGENTS, ensure_support_group
from accounts.models import ApiClient, Membership, Role, Tenant, User
from accounts.services import add_member, create_api_client, set_pin
from audit.actors import Actor
from audit.models import AuditAction
from audit.services import record_entry
from notifications.models import OutboxMessage
from unlocks import platform
from unlocks.models import (
    Batch,
    ExportRecord,
    IdempotencyKey,
    Invoice,
    Payment,
    PolicyChange,
    UnlockRequest,
)
from unlocks.rules import ApprovalPolicy

PASSWORD = "unlock-demo"  # noqa: S105 - the documented demo password
# The demo's one admin with an authenticator app, and its secret (base32, as an app takes
# it): fixed, so that the README's steps work on every machine. Pat approves with the PIN
# alone, Lee with the PIN and a code.
DEMO_TOTP_ADMIN = "lee@acme.example"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - the documented demo secret
DEMO_API_CLIENT = "helpdesk-demo"
DEMO_API_KEY = "demo-helpdesk-key-0000000000000000"

STAFF = [
    ("agent@support.example", "Avery Agent", False),
    ("lead@support.example", "Lou Lead", True),
]
TENANTS = {
    "acme-hvac": {
        "name": "Acme Heating & Air",
        "pin": "483920",
        "people": [
            ("pat@acme.example", "Pat Morgan", Role.ADMIN),
            ("lee@acme.example", "Lee Chen", Role.ADMIN),
            ("dana@acme.example", "Dana Ruiz", Role.MEMBER),
        ],
    },
    "birch-plumbing": {
        "name": "Birch Plumbing Co.",
        "pin": "275194",
        "people": [
            ("sam@birch.example", "Sam Birch", Role.ADMIN),
            # The second admin, who approves second where Birch's policy asks two.
            ("rae@birch.example", "Rae Okafor", Role.ADMIN),
            ("kim@birch.example", "Kim Park", Role.MEMBER),
        ],
    },
}


# Each transaction's customer, amount in cents and date: what people confirm it by on the
# phone. B-1001 holds INV-1001, INV-1002 and PAY-1001: 3 records, $1,637.50 in all.
TRANSACTIONS = {
    "INV-1001": ("Jones Residence", 41000, date(2026, 11, 3)),
    "INV-1002": ("Maple Street Dental", 81750, date(2026, 11, 5)),
    "PAY-1001": ("Jones Residence", 41000, date(2026, 11, 10)),
    "INV-1003": ("Riverside Cafe", 72000, date(2026, 11, 12)),
    "PAY-1002": ("Riverside Cafe", 72000, date(2026, 11, 16)),
    "INV-1004": ("Pine Court HOA", 15500, date(2026, 11, 18)),
    "INV-1005": ("Hill House", 26500, date(2026, 10, 27)),
    "INV-2001": ("Cedar Lane School", 9900, date(2026, 11, 20)),
    "PAY-2001": ("Cedar Lane School", 9900, date(2026, 11, 24)),
    "PAY-2002": ("Elm Park Clinic", 20000, date(2026, 11, 25)),
    "INV-2002": ("Birchwood Bakery", 5400, date(2026, 11, 30)),
    "INV-3001": ("Lakeview Motel", 31000, date(2026, 11, 9)),
    "INV-3002": ("Summit Gym", 12000, date(2026, 11, 19)),
    # B-2002: $1,730.00, over Birch's $1,000.00 limit, so it takes two admins.
    "INV-3003": ("Harbor View Apartments", 125000, date(2026, 11, 21)),
    "INV-3004": ("Oak Ridge Dental", 48000, date(2026, 11, 23)),
}
# Birch's two-approver policy: unlocks of $1,000.00 or more need two admins.
BIRCH_TWO_APPROVERS_FROM_CENTS = 100000


class Command(BaseCommand):
    help = (
        "Create the demo dataset of DEMO.md (idempotent); --reset wipes and recreates it, "
        "keeping the demo tenants' append-only audit trails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Wipe the demo data first.")

    def handle(self, *args, reset=False, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo is refused in production (UNLOCK_ENV=production): it creates "
                "accounts with a published password and an API client with a published key. "
                "Create real accounts in the admin, set each tenant's PIN with set_pin, and "
                "make API clients with create_api_client."
            )
        with transaction.atomic():
            if reset:
                self._wipe()
            created, filled = self._seed()
        if created:
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        elif filled:
            self.stdout.write(
                self.style.SUCCESS("Demo data brought up to date: customers, amounts, dates.")
            )
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(
            f"Demo authenticator app of {DEMO_TOTP_ADMIN}: secret {DEMO_TOTP_SECRET} "
            "(time-based, 6 digits; add it to an app, or run oathtool --totp -b "
            f"{DEMO_TOTP_SECRET})."
        )

    def _wipe(self):
        """Everything of the demo but its tenants' audit trails: those are append-only for
        everyone (SPEC.md), so the demo tenants stay, and the reset's own entries (the PIN
        set afresh, the records made again) follow what the trail already holds."""
        tenants = Tenant.objects.filter(slug__in=TENANTS)
        # What was sent (or due) about the demo requests goes with them.
        OutboxMessage.objects.filter(
            reference__in=UnlockRequest.objects.filter(tenant__in=tenants).values("pk")
        ).delete()
        IdempotencyKey.objects.filter(owner__in=self._demo_owners()).delete()
        UnlockRequest.objects.filter(tenant__in=tenants).delete()
        ExportRecord.objects.filter(tenant__in=tenants).delete()
        PolicyChange.objects.filter(tenant__in=tenants).delete()
        Invoice.objects.filter(tenant__in=tenants).delete()
        Payment.objects.filter(tenant__in=tenants).delete()
        Batch.objects.filter(tenant__in=tenants).delete()
        Membership.objects.filter(tenant__in=tenants).delete()
        User.objects.filter(email__in=demo_emails()).delete()
        ApiClient.objects.filter(name=DEMO_API_CLIENT).delete()
        for tenant in tenants:
            spec = TENANTS[tenant.slug]
            Tenant.objects.filter(pk=tenant.pk).update(
                name=spec["name"],
                currency="USD",
                two_approvers_from_cents=None,
                two_approvers_for_bypassed_batches=False,
            )
            # The demo PIN again, with no failures or lock: nobody is left to email.
            set_pin(tenant=tenant, pin=spec["pin"], actor=Actor.system("seed_demo"))

    def _demo_owners(self):
        """Whose Idempotency-Key answers belong to the demo: its client and its people."""
        clients = ApiClient.objects.filter(name=DEMO_API_CLIENT).values_list("pk", flat=True)
        users = User.objects.filter(email__in=demo_emails()).values_list("pk", flat=True)
        return [f"api_client:{pk}" for pk in clients] + [f"user:{pk}" for pk in users]

    def _seed(self):
        created = filled = False
        group = Group.objects.filter(name=SUPPORT_AGENTS).first() or ensure_support_group()
        for email, name, superuser in STAFF:
            user, new = self._user(email, name, is_staff=True, is_superuser=superuser)
            if new and not superuser:
                user.groups.add(group)
            created |= new
        if not ApiClient.objects.filter(name=DEMO_API_CLIENT).exists():
            create_api_client(name=DEMO_API_CLIENT, key=DEMO_API_KEY)
            created = True
        for slug, spec in TENANTS.items():
            tenant, new = Tenant.objects.get_or_create(slug=slug, defaults={"name": spec["name"]})
            if new:
                # Set before its people join: setting a PIN emails the tenant's admins,
                # and a fresh demo starts with no mail waiting.
                set_pin(tenant=tenant, pin=spec["pin"], actor=Actor.system("seed_demo"))
            for email, name, role in spec["people"]:
                user, _ = self._user(email, name)
                if not Membership.objects.filter(tenant=tenant, user=user).exists():
                    add_member(tenant=tenant, user=user, role=role)
            # New, or emptied by --reset (which keeps the tenant for its audit trail).
            if new or not Batch.objects.filter(tenant=tenant).exists():
                getattr(self, "_records_" + slug.replace("-", "_"))(tenant)
                created = True
            else:
                filled |= self._fill_in(tenant)
        created |= self._two_approvers()
        created |= self._demo_authenticator()
        return created, filled

    def _demo_authenticator(self):
        """Lee's authenticator app with the documented secret; True if it was added."""
        user = User.objects.get(email=DEMO_TOTP_ADMIN)
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return False
        key = b32decode(DEMO_TOTP_SECRET).hex()
        TOTPDevice.objects.create(user=user, key=key, name="Authenticator app", confirmed=True)
        return True

    def _user(self, email, name, **flags):
        user = User.objects.filter(email=email).first()
        if user:
            return user, False
        return User.objects.create_user(
            email=email, password=PASSWORD, full_name=name, **flags
        ), True

    def _records_acme_hvac(self, t):
        p = platform
        b0999 = p.create_batch(tenant=t, number="B-0999")
        inv1005 = p.create_transaction(**_txn(t, "INV-1005"), batch=b0999)
        p.export_batch(batch=b0999)

        b1001 = p.create_batch(tenant=t, number="B-1001")
        for number in ("INV-1001", "INV-1002", "PAY-1001"):
            p.create_transaction(**_txn(t, number), batch=b1001)
        p.bypass_batch(batch=b1001)

        b1002 = p.create_batch(tenant=t, number="B-1002")
        for number in ("INV-1003", "PAY-1002"):
            p.create_transaction(**_txn(t, number), batch=b1002)
        p.export_batch(batch=b1002)

        b1003 = p.create_batch(tenant=t, number="B-1003")
        p.create_transaction(**_txn(t, "INV-1004"), batch=b1003)
        inv1005 = p.bypass_transaction(record=inv1005)
        p.move_to_batch(record=inv1005, batch=b1003)
        p.bypass_batch(batch=b1003)

        p.import_transaction(**_txn(t, "INV-2001"))
        p.import_transaction(**_txn(t, "PAY-2001"))
        p.bypass_transaction(record=p.create_transaction(**_txn(t, "PAY-2002")))
        p.create_transaction(**_txn(t, "INV-2002"))

    def _records_birch_plumbing(self, t):
        b2001 = platform.create_batch(tenant=t, number="B-2001")
        platform.create_transaction(**_txn(t, "INV-3001"), batch=b2001)
        platform.bypass_batch(batch=b2001)
        platform.import_transaction(**_txn(t, "INV-3002"))

    def _two_approvers(self):
        """Birch's B-2002 and its policy, for a demo made before two approvers (or made
        now); True if they were added. Set as the platform's onboarding, audited, with
        no email waiting."""
        tenant = Tenant.objects.get(slug="birch-plumbing")
        if Batch.objects.filter(tenant=tenant, number="B-2002").exists():
            return False
        b2002 = platform.create_batch(tenant=tenant, number="B-2002")
        for number in ("INV-3003", "INV-3004"):
            platform.create_transaction(**_txn(tenant, number), batch=b2002)
        platform.bypass_batch(batch=b2002)
        before = ApprovalPolicy.of_tenant(tenant)
        after = ApprovalPolicy(two_from_cents=BIRCH_TWO_APPROVERS_FROM_CENTS)
        Tenant.objects.filter(pk=tenant.pk).update(
            two_approvers_from_cents=after.two_from_cents,
            two_approvers_for_bypassed_batches=after.bypassed_batches,
        )
        record_entry(
            tenant=tenant,
            action=AuditAction.POLICY_SET,
            actor=Actor.system("seed_demo"),
            data={"before": before.as_json(), "after": after.as_json()},
        )
        return True

    def _fill_in(self, tenant):
        """Give the transactions of a demo seeded before they had them their customers,
        amounts and dates; True if any changed."""
        changed = False
        for model in (Invoice, Payment):
            for record in model.objects.filter(tenant=tenant, number__in=TRANSACTIONS):
                customer, amount_cents, day = TRANSACTIONS[record.number]
                wanted = {"customer": customer, "amount_cents": amount_cents, "date": day}
                if any(getattr(record, name) != value for name, value in wanted.items()):
                    model.objects.filter(pk=record.pk).update(**wanted, updated_at=timezone.now())
                    changed = True
        return changed


def demo_emails():
    """Every demo account's email: support staff and the tenants' people."""
    return [e for e, *_ in STAFF] + [p[0] for t in TENANTS.values() for p in t["people"]]


def _txn(tenant, number):
    """What the platform needs to create a demo transaction."""
    customer, amount_cents, day = TRANSACTIONS[number]
    return {
        "tenant": tenant,
        "record_type": "invoice" if number.startswith("INV") else "payment",
        "number": number,
        "amount_cents": amount_cents,
        "customer": customer,
        "date": day,
    }
