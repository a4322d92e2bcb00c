import factory

from accounts.models import Membership, Role, Tenant, User
from accounts.pins import hash_pin

PIN = "112233"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.django.Password("pw-for-tests-1")


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = factory.Sequence(lambda n: f"Tenant {n}")
    pin_hash = factory.LazyFunction(lambda: hash_pin(PIN))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


def admin_of(tenant, **user_fields):
    return MembershipFactory(tenant=tenant, role=Role.ADMIN, user=UserFactory(**user_fields)).user


def member_of(tenant, **user_fields):
    return MembershipFactory(tenant=tenant, role=Role.MEMBER, user=UserFactory(**user_fields)).user
