"""Deploy checks of the unlocks app: no known demo credential in a production database.

`seed_demo` creates accounts with a published password and an API client with a published
key (DEMO.md). `manage.py check --deploy` fails while any of them would let someone in.
"""

from django.contrib.auth import get_user_model
from django.core import checks
from django.db import DatabaseError

from accounts.models import ApiClient
from accounts.services import hash_api_key
from unlocks.management.commands import seed_demo


@checks.register(checks.Tags.security, deploy=True)
def no_demo_credentials(app_configs=None, **kwargs):
    try:
        return [*_demo_key(), *_demo_passwords()]
    except DatabaseError as error:
        return [
            checks.Warning(
                f"Could not look for the demo's credentials in the database: {error}.",
                hint="Run the check against the production database, migrated.",
                id="unlocks.W001",
            )
        ]


def _demo_key():
    live = ApiClient.objects.filter(
        key_hash=hash_api_key(seed_demo.DEMO_API_KEY), revoked_at__isnull=True
    )
    return [
        checks.Error(
            f"The API client {client.name!r} has the demo's published key "
            f"({seed_demo.DEMO_API_KEY}): anyone can call the API with it.",
            hint="Revoke it in the admin (API clients) and make a client of your own with "
            "manage.py create_api_client.",
            id="unlocks.E001",
        )
        for client in live
    ]


def _demo_passwords():
    people = get_user_model().objects.filter(is_active=True, email__in=seed_demo.demo_emails())
    known = sorted(user.email for user in people if user.check_password(seed_demo.PASSWORD))
    if not known:
        return []
    return [
        checks.Error(
            f"These active accounts have the demo's published password "
            f"({seed_demo.PASSWORD!r}): {', '.join(known)}.",
            hint="Deactivate them in the admin (Users), or give each a password of its own.",
            id="unlocks.E002",
        )
    ]
