from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import send_enrolment_link
from audit.actors import Actor


class Command(BaseCommand):
    help = (
        "Email a staff member the single-use link that sets up their first second factor "
        "(valid 24 hours): for the first support lead of a new installation, whom nobody "
        "can send one from the admin yet. It prints nothing of the link."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The staff member's email.")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"There is no active account {email!r}. Check the email.")
        send_enrolment_link(user=user, actor=Actor.system("send_enrolment_link command"))
        self.stdout.write(
            self.style.SUCCESS(f"Emailed an enrolment link to {user.email}; it works 24 hours.")
        )
