import factory

from accounts.models import Membership, Role, Tenant, User
from accounts.pins import hash_pin

# A PIN that every rule of a new one lets through, as a real account's would be.
PIN = "693017"


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


def give_authenticator(user):
    """Give `user` a confirmed authenticator app (django-otp's TOTP device); returns it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import factors

    return TOTPDevice.objects.create(
        user=user, key=factors.new_totp_key(), name="Authenticator app", confirmed=True
    )


def code_now(user):
    """A code of `user`'s app that it takes now: the first step after the last one used."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user)
    clock = TOTP(device.bin_key)
    # The current step (a boundary crossed before it is checked still falls within the
    # device's tolerance of one step), or the one after the last step used.
    step = max(clock.t(), device.last_t + 1)
    clock.time = step * 30 + 1
    return f"{clock.token():06d}"


def wrong_code(user):
    right = code_now(user)
    return "000000" if right != "000000" else "111111"
