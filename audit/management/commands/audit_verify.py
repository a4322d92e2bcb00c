from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant
from audit.selectors import verify_chain


class Command(BaseCommand):
    help = (
        "Verify audit hash chains from each tenant's last signed checkpoint that holds "
        "(--full: from the start); name the first entry that does not fit (exit 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this tenant's chain (its slug).")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Check every entry and every checkpoint, not only what follows the last one.",
        )

    def handle(self, *args, tenant=None, full=False, **options):
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"There is no tenant {tenant!r}. Check the slug.")
        broken = 0
        for tenant_obj in tenants:
            report = verify_chain(tenant=tenant_obj, full=full)
            since = (
                f"from checkpoint {report.checkpoint} (entry #{report.checkpoint_size})"
                if report.checkpoint and not report.full
                else "from the start"
            )
            if report.ok:
                self.stdout.write(f"{report.tenant}: ok, {report.entries} entries checked {since}")
                continue
            broken += 1
            holds = (
                f"Checkpoint {report.checkpoint} (up to entry #{report.checkpoint_size}) "
                "still holds."
                if report.checkpoint
                else "No signed checkpoint before it holds."
            )
            against = (
                f" It is not the entry checkpoint {report.bad_checkpoint} signed, or that "
                "checkpoint's signature does not hold."
                if report.bad_checkpoint
                else ""
            )
            self.stderr.write(
                f"{report.tenant}: BROKEN at entry #{report.first_bad_seq} "
                f"(checked {report.entries} entries {since}). Entry #{report.first_bad_seq} "
                f"was changed, removed or inserted after it was written.{against} {holds}"
            )
        if broken:
            raise SystemExit(1)
