"""People, tenants and API clients in the admin. Account PINs are never shown or edited here."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiClient, Membership, SecurityEvent, Tenant, User
from accounts.services import (
    create_api_client,
    reset_second_factors,
    revoke_api_client,
    send_enrolment_link,
)
from audit.actors import Actor, request_context
from core.read_only_admin import ReadOnlyAdmin

# Second factors hold secrets: they are set up by their owner on their own pages and reset
# by a support lead with the action below, never read or edited in the admin.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

# Django's two-box permission picker labels its search icons with aria-label on a plain
# span, which screen readers may not read (axe-core: aria-prohibited-attr, serious). The
# plain multiple choice box it enhances is the accessible one: groups and permissions use it.
ACCESSIBLE_PICKERS = ()


class GroupAdmin(DjangoGroupAdmin):
    filter_horizontal = ACCESSIBLE_PICKERS


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)


class UserCreation(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChange(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipOfUserInline(admin.TabularInline):
    model = Membership
    fields = ("tenant", "role")
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    filter_horizontal = ACCESSIBLE_PICKERS
    form = UserChange
    add_form = UserCreation
    list_display = ("email", "full_name", "is_staff", "is_superuser", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    show_full_result_count = False
    inlines = [MembershipOfUserInline]
    actions = ["reset_factors", "send_enrolment_links"]

    @admin.action(
        description="Reset the selected people's second factors", permissions=["reset_factors"]
    )
    def reset_factors(self, request, queryset):
        actor = Actor.for_user(request.user, **request_context(request))
        people = list(queryset.order_by("email"))
        for person in people:
            reset_second_factors(user=person, actor=actor)
        messages.success(
            request,
            f"Reset the second factors of {', '.join(p.email for p in people)}. Each sets one "
            "up again at their next sign-in; the reset is recorded under Security events.",
        )

    def has_reset_factors_permission(self, request):
        return request.user.has_perm("accounts.reset_second_factors")

    @admin.action(
        description="Send an enrolment link (to set up a second factor)",
        permissions=["reset_factors"],
    )
    def send_enrolment_links(self, request, queryset):
        actor = Actor.for_user(request.user, **request_context(request))
        people = list(queryset.filter(is_active=True).order_by("email"))
        for person in people:
            send_enrolment_link(user=person, actor=actor)
        messages.success(
            request,
            f"Emailed an enrolment link to {', '.join(p.email for p in people) or 'nobody'}. "
            "Each works once, for 24 hours, and only for its person, signed in; any earlier "
            "link of theirs stops working. The sending is recorded under Security events.",
        )

    def save_model(self, request, obj, form, change):
        made_staff = obj.is_staff and (not change or "is_staff" in form.changed_data)
        super().save_model(request, obj, form, change)
        if made_staff and settings.STAFF_ENROLMENT_BY_LINK:
            # A new member of support sets up their second factor from their own email.
            actor = Actor.for_user(request.user, **request_context(request))
            send_enrolment_link(user=obj, actor=actor)

    def get_inlines(self, request, obj):
        # The add form asks only for the email and password, as Django's own does.
        return self.inlines if obj is not None else []

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    # What happened, not a setting: read only (and Django's split date and time boxes for
    # them carry no label of their own, which axe-core counts critical).
    readonly_fields = ("last_login", "date_joined")
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role")
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "currency", "has_pin_display", "pin_locked_until")
    search_fields = ("slug", "name")
    show_full_result_count = False
    # The PIN hash and its throttling state are not fields here at all: set_pin sets a PIN.
    fields = (
        "slug",
        "name",
        "currency",
        "time_zone",
        "has_pin_display",
        "pin_set_at",
        "pin_locked_until",
    )
    # The zone of its emails is its admins' to choose (Settings · Time zone), as its PIN is.
    readonly_fields = ("time_zone", "has_pin_display", "pin_set_at", "pin_locked_until")
    inlines = [MembershipInline]

    @admin.display(description="Account PIN set", boolean=True)
    def has_pin_display(self, obj):
        return obj.has_pin


class ApiClientForm(forms.ModelForm):
    class Meta:
        model = ApiClient
        fields = ("name",)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "key_prefix", "created_at", "revoked_at", "is_active_display")
    readonly_fields = ("key_prefix", "created_at", "revoked_at")
    actions = ["revoke"]
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        return ("name",) if obj is None else ("name", "key_prefix", "created_at", "revoked_at")

    def has_change_permission(self, request, obj=None):
        # A client is created or revoked; a changeable change view would invite renaming keys.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        client, key = create_api_client(name=form.cleaned_data["name"])
        obj.pk, obj.key_prefix, obj.key_hash = client.pk, client.key_prefix, client.key_hash
        obj.created_at = client.created_at
        messages.warning(
            request,
            f"The key of {client.name} is {key} — copy it now: it is stored only as a hash "
            "and is never shown again.",
        )

    @admin.display(description="Active", boolean=True)
    def is_active_display(self, obj):
        return obj.is_active

    @admin.action(description="Revoke the selected API clients' keys", permissions=["revoke"])
    def revoke(self, request, queryset):
        for client in queryset:
            revoke_api_client(client=client)
        messages.success(
            request, f"Revoked {len(queryset)} API client key(s); they stop working now."
        )

    def has_revoke_permission(self, request):
        return request.user.has_perm("accounts.change_apiclient")


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """Every sign-in with its factor, and every change of a person's second factors."""

    list_display = ("at", "email", "is_staff", "action", "factor", "by", "ip")
    list_filter = ("action", "factor", "is_staff")
    search_fields = ("=email",)
    show_full_result_count = False
    date_hierarchy = None
