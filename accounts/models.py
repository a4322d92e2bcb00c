from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **fields):
        if not email:
            raise ValueError("A user needs an email address to sign in with.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address: support staff or a tenant user."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Support staff who may sign in to the admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The zone the person reads times in (an IANA name such as America/Denver); blank:
    # their browser's (accounts.middleware.TimeZoneMiddleware).
    time_zone = models.CharField(max_length=64, blank=True, default="")

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        permissions = [("reset_second_factors", "Can reset a person's second factors")]


class Currency(models.TextChoices):
    """The currencies a tenant keeps its books in (ISO 4217); each has cents (two decimals)."""

    USD = "USD", "US dollar"
    CAD = "CAD", "Canadian dollar"
    AUD = "AUD", "Australian dollar"
    NZD = "NZD", "New Zealand dollar"
    EUR = "EUR", "Euro"
    GBP = "GBP", "Pound sterling"


class Tenant(models.Model):
    """One customer account. Its account PIN is kept only as a peppered Argon2 hash."""

    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    currency = models.CharField(
        max_length=3,
        choices=Currency.choices,
        default=Currency.USD,
        help_text="The currency of the tenant's books: every amount of its records is in it.",
    )
    # The zone its emails say times in (an IANA name), set by one of its admins.
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="The time zone its emails say times in."
    )
    pin_hash = models.CharField(max_length=255, blank=True, editable=False)
    pin_set_at = models.DateTimeField(null=True, blank=True, editable=False)
    # PIN throttling lives in the database so that a lock-out survives a cache flush.
    # Times (ISO 8601) of the wrong PINs within the current window.
    pin_failure_times = models.JSONField(default=list, blank=True, editable=False)
    pin_locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    # The lock-out grows: each lock within PIN_LOCK_GROWS_WITHIN of the last doubles.
    pin_last_locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    pin_locks_in_a_row = models.PositiveSmallIntegerField(default=0, editable=False)
    # The PIN in use would be refused as a new one (found when it was last given right):
    # its admins are asked to change it.
    pin_needs_change = models.BooleanField(default=False, editable=False)
    # Changed by one of its admins, with their password and second factor
    # (accounts.services.set_second_factor_requirement), never in the admin.
    approval_requires_second_factor = models.BooleanField(
        default=False,
        editable=False,
        help_text="Every approval needs the approving admin's personal second factor.",
    )
    # The two-approver policy (SPEC rule 13), set by its admins only
    # (unlocks.services.policy), never in the admin: unlocks whose total at stake reaches
    # this many cents need two different admins (null: no amount), and, where ticked,
    # every unlock of a bypassed batch does.
    two_approvers_from_cents = models.BigIntegerField(null=True, blank=True, editable=False)
    two_approvers_for_bypassed_batches = models.BooleanField(
        default=False, db_default=False, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return f"{self.name} ({self.slug})"

    @property
    def has_pin(self):
        return bool(self.pin_hash)


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class Membership(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} is {self.role} of {self.tenant.slug}"


class ApiClient(models.Model):
    """A named helpdesk integration. Only a SHA-256 of its key is stored."""

    name = models.CharField(max_length=100, unique=True)
    key_prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.revoked_at is None


class SecurityAction(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in with a password"
    SECOND_FACTOR_PASSED = "second_factor_passed", "Second factor passed"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Second factor failed"
    FACTOR_ADDED = "factor_added", "Second factor added"
    FACTOR_REMOVED = "factor_removed", "Second factor removed"
    RECOVERY_CODES_MADE = "recovery_codes_made", "Recovery codes made"
    FACTORS_RESET = "factors_reset", "Second factors reset"
    ENROLMENT_LINK_SENT = "enrolment_link_sent", "Enrolment link sent"
    ENROLMENT_LINK_USED = "enrolment_link_used", "Enrolment link used"


class SecurityEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Security events are append-only: they cannot be updated.")

    def delete(self):
        raise PermissionError("Security events are append-only: they cannot be deleted.")


class SecurityEvent(models.Model):
    """One sign-in or second-factor step of a person, staff included.

    The audit trail is kept per tenant and staff belong to none, so a person's own
    sign-ins and factors are recorded here, append-only. Kept by value, not by foreign
    key: an event outlives the person and the factor it names.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    email = models.CharField(max_length=254, db_index=True)
    is_staff = models.BooleanField(default=False)
    action = models.CharField(max_length=30, choices=SecurityAction.choices)
    # password, totp, recovery_code or passkey.
    factor = models.CharField(max_length=20, blank=True)
    # Who did it, where not the person themself (a support lead resetting factors).
    by = models.CharField(max_length=254, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    http_request_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.email} {self.action} {self.factor}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Security events are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Security events are append-only: they cannot be deleted.")


class EnrolmentLink(models.Model):
    """A single-use link, emailed to a staff member's own address, with which they set up
    their first second factor (signed in with their password too): so that whoever learns
    a new colleague's password does not become their second factor. Only a SHA-256 of its
    token is stored; the newest link of a person is the only one that works."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Enrolment link of {self.user} ({self.created_at:%Y-%m-%d %H:%M})"
