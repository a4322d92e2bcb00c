"""Create exactly the demo dataset of DEMO.md; running it again changes nothing."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.apps import SUPPORT_AGENTS, ensure_support_group
from accounts.models import ApiClient, Membership, Role, Tenant, User
from accounts.services import add_member, create_api_client, set_pin
from audit.actors import Actor
from audit.models import AuditChainHead, AuditEntry
from notifications.models import OutboxMessage
from unlocks import platform
from unlocks.models import Batch, ExportRecord, IdempotencyKey, Invoice, Payment, UnlockRequest

PASSWORD = "unlock-demo"  # noqa: S105 - the documented demo password
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
            ("kim@birch.example", "Kim Park", Role.MEMBER),
        ],
    },
}


class Command(BaseCommand):
    help = "Create the demo dataset of DEMO.md (idempotent); --reset wipes and recreates it."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Wipe the demo data first.")

    def handle(self, *args, reset=False, **options):
        if reset and settings.PRODUCTION:
            raise CommandError("seed_demo --reset wipes audit trails; it is refused in production.")
        with transaction.atomic():
            if reset:
                self._wipe()
            created = self._seed()
        self.stdout.write(
            self.style.SUCCESS("Demo data created.")
            if created
            else "Demo data already present; nothing changed."
        )

    def _wipe(self):
        tenants = Tenant.objects.filter(slug__in=TENANTS)
        if connection.vendor == "postgresql":
            # The append-only trigger protects audit entries; only this dev command,
            # inside its own transaction, sets it aside to wipe the demo tenants.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        AuditEntry.objects.filter(tenant__in=tenants)._raw_delete(AuditEntry.objects.db)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
        AuditChainHead.objects.filter(tenant__in=tenants).delete()
        # What was sent (or due) about the demo requests goes with them.
        OutboxMessage.objects.filter(
            reference__in=UnlockRequest.objects.filter(tenant__in=tenants).values("pk")
        ).delete()
        IdempotencyKey.objects.filter(owner__in=self._demo_owners()).delete()
        UnlockRequest.objects.filter(tenant__in=tenants).delete()
        ExportRecord.objects.filter(tenant__in=tenants).delete()
        Invoice.objects.filter(tenant__in=tenants).delete()
        Payment.objects.filter(tenant__in=tenants).delete()
        Batch.objects.filter(tenant__in=tenants).delete()
        Membership.objects.filter(tenant__in=tenants).delete()
        tenants.delete()
        emails = [e for e, *_ in STAFF] + [p[0] for t in TENANTS.values() for p in t["people"]]
        User.objects.filter(email__in=emails).delete()
        ApiClient.objects.filter(name=DEMO_API_CLIENT).delete()

    def _demo_owners(self):
        """Whose Idempotency-Key answers belong to the demo: its client and its people."""
        clients = ApiClient.objects.filter(name=DEMO_API_CLIENT).values_list("pk", flat=True)
        emails = [e for e, *_ in STAFF] + [p[0] for t in TENANTS.values() for p in t["people"]]
        users = User.objects.filter(email__in=emails).values_list("pk", flat=True)
        return [f"api_client:{pk}" for pk in clients] + [f"user:{pk}" for pk in users]

    def _seed(self):
        created = False
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
            if new:
                getattr(self, "_records_" + slug.replace("-", "_"))(tenant)
                created = True
        return created

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
        inv1005 = p.create_transaction(
            tenant=t,
            record_type="invoice",
            number="INV-1005",
            batch=b0999,
            amount_cents=41000,
            customer="Hill House",
        )
        p.export_batch(batch=b0999)

        b1001 = p.create_batch(tenant=t, number="B-1001")
        p.create_transaction(
            tenant=t,
            record_type="invoice",
            number="INV-1001",
            batch=b1001,
            amount_cents=125000,
            customer="Maple Street Dental",
        )
        p.create_transaction(
            tenant=t,
            record_type="invoice",
            number="INV-1002",
            batch=b1001,
            amount_cents=38950,
            customer="Oak Ridge Apartments",
        )
        p.create_transaction(
            tenant=t,
            record_type="payment",
            number="PAY-1001",
            batch=b1001,
            amount_cents=125000,
            customer="Maple Street Dental",
        )
        p.bypass_batch(batch=b1001)

        b1002 = p.create_batch(tenant=t, number="B-1002")
        p.create_transaction(
            tenant=t,
            record_type="invoice",
            number="INV-1003",
            batch=b1002,
            amount_cents=72000,
            customer="Riverside Cafe",
        )
        p.create_transaction(
            tenant=t,
            record_type="payment",
            number="PAY-1002",
            batch=b1002,
            amount_cents=72000,
            customer="Riverside Cafe",
        )
        p.export_batch(batch=b1002)

        b1003 = p.create_batch(tenant=t, number="B-1003")
        p.create_transaction(
            tenant=t,
            record_type="invoice",
            number="INV-1004",
            batch=b1003,
            amount_cents=15500,
            customer="Pine Court HOA",
        )
        inv1005 = p.bypass_transaction(record=inv1005)
        p.move_to_batch(record=inv1005, batch=b1003)
        p.bypass_batch(batch=b1003)

        p.import_transaction(
            tenant=t,
            record_type="invoice",
            number="INV-2001",
            amount_cents=9900,
            customer="Cedar Lane School",
        )
        p.import_transaction(
            tenant=t,
            record_type="payment",
            number="PAY-2001",
            amount_cents=9900,
            customer="Cedar Lane School",
        )
        pay2002 = p.create_transaction(
            tenant=t,
            record_type="payment",
            number="PAY-2002",
            amount_cents=20000,
            customer="Elm Park Clinic",
        )
        p.bypass_transaction(record=pay2002)
        p.create_transaction(
            tenant=t,
            record_type="invoice",
            number="INV-2002",
            amount_cents=5400,
            customer="Birchwood Bakery",
        )

    def _records_birch_plumbing(self, t):
        b2001 = platform.create_batch(tenant=t, number="B-2001")
        platform.create_transaction(
            tenant=t,
            record_type="invoice",
            number="INV-3001",
            batch=b2001,
            amount_cents=31000,
            customer="Lakeview Motel",
        )
        platform.bypass_batch(batch=b2001)
        platform.import_transaction(
            tenant=t,
            record_type="invoice",
            number="INV-3002",
            amount_cents=12000,
            customer="Summit Gym",
        )
