"""Who people are to a tenant: the reads the unlock flow makes of them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from accounts.selectors import admin_users, caller_and_admins, membership_by_email
from accounts.tests.factories import TenantFactory, admin_of, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return TenantFactory(slug="acme")


@pytest.fixture
def people(acme):
    return {
        "pat": admin_of(acme, email="pat@acme.test"),
        "ada": admin_of(acme, email="ada@acme.test"),
        "dana": member_of(acme, email="dana@acme.test"),
        "gone": admin_of(acme, email="gone@acme.test", is_active=False),
        "elsewhere": admin_of(TenantFactory(slug="birch"), email="sam@birch.test"),
    }


def test_a_member_calling_is_found_with_the_active_admins_in_one_query(acme, people):
    with CaptureQueriesContext(connection) as queries:
        caller, admins = caller_and_admins(tenant=acme, email="Dana@ACME.test")

    assert len(queries) == 1
    assert caller.user == people["dana"] and caller.role == Role.MEMBER
    assert caller.tenant == acme
    assert admins == [people["ada"], people["pat"]]


def test_an_admin_calling_is_the_caller_and_one_of_the_admins(acme, people):
    caller, admins = caller_and_admins(tenant=acme, email="pat@acme.test")

    assert caller.user == people["pat"] and caller.role == Role.ADMIN
    assert admins == [people["ada"], people["pat"]]


@pytest.mark.parametrize("email", ["nobody@acme.test", "gone@acme.test", "sam@birch.test"])
def test_a_stranger_an_inactive_user_or_another_tenants_admin_is_no_caller(acme, people, email):
    caller, admins = caller_and_admins(tenant=acme, email=email)

    assert caller is None
    assert admins == [people["ada"], people["pat"]]


def test_it_agrees_with_the_single_reads(acme, people):
    for email in ("pat@acme.test", "dana@acme.test", "gone@acme.test", "x@acme.test"):
        caller, admins = caller_and_admins(tenant=acme, email=email)
        alone = membership_by_email(tenant=acme, email=email)
        assert (caller and caller.pk) == (alone and alone.pk)
        assert admins == admin_users(tenant=acme)


@pytest.mark.parametrize("pattern", ["%@acme.test", "pat@acme.tes_", "_at@acme.test", "%"])
def test_like_wildcards_in_an_email_match_no_one(acme, people, pattern):
    # Matching people by email is equality, case aside: never a pattern.
    caller, _ = caller_and_admins(tenant=acme, email=pattern)
    assert caller is None
    assert membership_by_email(tenant=acme, email=pattern) is None
