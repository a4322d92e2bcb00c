"""The admin's model registrations: read-only record lists, consent texts, unlock requests.

The support console's pages (lookup, open, the request page, verify, cancel) are in
`unlocks.console`; `UnlockRequestAdmin` serves them under its address.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from core.console_links import record_link, request_link
from core.read_only_admin import PlainTitles, ReadOnlyAdmin
from core.uuid_search import uuid_range
from unlocks.console import queue, request_page
from unlocks.console import urls as console_urls
from unlocks.models import (
    Batch,
    ConsentText,
    Invoice,
    LockState,
    Payment,
    RequestStatus,
    UnlockRequest,
    UnlockTarget,
    batch_sums,
)
from unlocks.money import format_money


def state_badge(state, label=None):
    return format_html('<span class="ud-badge ud-{}">{}</span>', state, label or state)


# ---------------------------------------------------------------- read-only record lists


class StateNowFilter(admin.SimpleListFilter):
    """The records whose state reads so now (`Record.objects.reading`), an ended window's
    record by the lock it reads as."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        states = model_admin.model._meta.get_field("state").choices
        return [(value, label) for value, label in states]

    def queryset(self, request, queryset):
        if self.value() in LockState.values:
            return queryset.reading([self.value()], timezone.now())
        return queryset


class RecordAdmin(ReadOnlyAdmin):
    """Records change only through the platform and the unlock service: read-only here."""

    list_filter = (StateNowFilter, "tenant")
    search_fields = ("number",)
    search_help_text = "A record number, exactly (for example INV-1001)."
    list_select_related = ("tenant",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        # An exact number uses the (tenant, number) unique index; icontains would scan.
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(number__in={term, term.upper()}), False

    def get_queryset(self, request):
        # Each row's state as it reads now, to sort by.
        return super().get_queryset(request).as_of(timezone.now())

    @admin.display(description="State", ordering="state_as_of")
    def state_display(self, obj):
        state = obj.state_now
        return state_badge(state, LockState(state).label)

    @admin.display(description="")
    def lookup_link(self, obj):
        url = (
            reverse("admin:unlocks_lookup")
            + "?"
            + urlencode({"q": f"{obj.tenant.slug} {obj.number}"})
        )
        return format_html('<a href="{}">Look up</a>', url)


@admin.register(Batch)
class BatchAdmin(RecordAdmin):
    list_display = (
        "number",
        "tenant",
        "state_display",
        "transaction_count",
        "total_display",
        "exported_at",
        "lookup_link",
    )
    readonly_fields = (
        "tenant",
        "number",
        "state_display",
        "transaction_count",
        "total_display",
        "exported_at",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        # Each batch's count and total in the query that lists it.
        return super().get_queryset(request).annotate(**batch_sums("pk"))

    @admin.display(description="Transactions")
    def transaction_count(self, obj):
        return obj.transaction_count

    @admin.display(description="Total")
    def total_display(self, obj):
        return format_money(obj.total_cents, obj.tenant.currency)


@admin.register(Invoice, Payment)
class TransactionAdmin(RecordAdmin):
    list_display = (
        "number",
        "tenant",
        "state_display",
        "batch",
        "customer",
        "amount_display",
        "date",
        "lookup_link",
    )
    list_select_related = ("tenant", "batch")
    readonly_fields = (
        "tenant",
        "number",
        "state_display",
        "batch",
        "customer",
        "amount_display",
        "date",
        "exported_at",
        "created_at",
        "updated_at",
    )
    # The amount as people read it, not its cents.
    fields = readonly_fields

    @admin.display(description="Amount", ordering="amount_cents")
    def amount_display(self, obj):
        return format_money(obj.amount_cents, obj.tenant.currency)


@admin.register(ConsentText)
class ConsentTextAdmin(ReadOnlyAdmin):
    """The consent versions, to read: a new version ships as a migration, never an edit."""

    list_display = ("version", "sha256", "created_at")
    readonly_fields = ("version", "text", "sha256", "created_at")
    show_facets = admin.ShowFacets.NEVER


# ---------------------------------------------------------------- unlock requests


class StatusFilter(admin.SimpleListFilter):
    """The status as it reads now: a pending request past its expiry is listed as expired,
    though only the expiry job (or the next action) writes it so."""

    title = "status"
    # The field lookup's name: links and bookmarks made before keep their meaning.
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return RequestStatus.choices

    def queryset(self, request, queryset):
        if self.value() in RequestStatus.values:
            return queryset.reading(self.value())
        return queryset


@admin.register(UnlockRequest)
class UnlockRequestAdmin(PlainTitles, admin.ModelAdmin):
    list_display = (
        "short_id",
        "tenant_name",
        "status_display",
        "record_numbers",
        "channel",
        "caller_email",
        "ticket",
        "created_at",
    )
    # The request column is a link of its own (core.console_links), not Django's row link.
    list_display_links = None
    list_filter = (StatusFilter, "tenant", "channel", "created_at")
    list_select_related = ("tenant",)
    search_fields = ("ticket", "caller_email", "targets__number")
    search_help_text = (
        "A request id (in full, or its first 8 characters as the list shows it), a ticket id, "
        "a caller's email or a record number, exactly."
    )
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    ordering = ("-created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("targets")

    def get_search_results(self, request, queryset, search_term):
        # Exact matches on indexed columns: at 100,000 requests a LIKE would scan.
        term = search_term.strip()
        if not term:
            return queryset, False
        # The requests naming that record number, read first: as a subquery inside the OR,
        # PostgreSQL scans every request (65-290 ms at 120,000); as a list of ids, each
        # branch of the OR is one index scan (under 1 ms).
        by_number = list(
            UnlockTarget.objects.filter(number__in={term, term.upper()})
            .values_list("request_id", flat=True)
            .distinct()
        )
        match = Q(ticket=term) | Q(caller_email=term.lower()) | Q(id__in=by_number)
        # A ticket or a record number may look like an id prefix too: either may match.
        if ids := uuid_range(term):
            match |= Q(id__range=ids)
        return queryset.filter(match), False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Request")
    def short_id(self, obj):
        return request_link(obj.pk)

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj):
        status = obj.status_now
        return state_badge(status, status.label)

    @admin.display(description="Tenant", ordering="tenant__name")
    def tenant_name(self, obj):
        # The name alone: "(acme-hvac)" after it pushed the list past 1280 px.
        return obj.tenant.name

    @admin.display(description="Records")
    def record_numbers(self, obj):
        # Each number whole on its line (INV-2001, not INV- and 2001), leading to its card.
        return format_html_join(
            ", ", "{}", ((record_link(obj.tenant.slug, t.number),) for t in obj.targets.all())
        )

    # -------------------------------------------------------------- the console

    def get_urls(self):
        # The console's pages (lookup, open, verify, cancel) ahead of the model's own.
        return [*console_urls.urlpatterns, *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        # Requests open in the console, after a preview. Refuse here too, so staff
        # without the permission are told so, not sent on.
        if not self.has_add_permission(request):
            raise PermissionDenied
        return redirect("admin:unlocks_unlockrequest_open")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # A request changes only through the console's actions on its page.
        return request_page.request_page(request, object_id)


# The support console's work queue is the admin site's home.
admin.site.register_home(queue.queue_context)
