"""The audit trail in the console: read-only for everyone, superusers included.

Nobody may add, change or delete an entry here; the list filters, exports a
filtered list as streamed CSV, and checks a tenant's hash chain.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst

from accounts.models import Tenant
from audit.exports import csv_pieces
from audit.models import AuditEntry
from audit.selectors import verify_chain
from core import times
from core.console_links import record_link, request_link
from core.read_only_admin import ReadOnlyAdmin
from core.uuid_search import uuid_range
from core.words import in_words


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows: a full COUNT(*) over a million entries costs more
    than the page itself. Further back, narrow the list with a filter or export it."""

    COUNT_CAP = 10_000

    @property
    def count(self):
        if not hasattr(self, "_capped_count"):
            self._capped_count = self.object_list.order_by().values("pk")[: self.COUNT_CAP].count()
        return self._capped_count


class ActorKindFilter(admin.SimpleListFilter):
    """The four kinds of actor, listed without a DISTINCT over a million rows."""

    title = "actor"
    parameter_name = "actor_kind"
    KINDS = (
        ("agent", "Support agent"),
        ("tenant_user", "Tenant user"),
        ("api_client", "API client"),
        ("system", "System"),
    )

    def lookups(self, request, model_admin):
        return self.KINDS

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(actor_kind=self.value())
        return queryset


class TimeFilter(admin.DateFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "time"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    # Each tenant's chain is numbered on its own: across tenants, newest first, a bare
    # number reads as a gap (10, 3, 2, 1, 9). The entry is named with its tenant's chain.
    list_display = (
        "entry",
        "when",
        "actor_label",
        "action",
        "record_link",
        "request_link",
        "why",
    )
    list_display_links = ("entry", "when")
    list_filter = ("action", "tenant", ActorKindFilter, ("at", TimeFilter))
    # Facet counts would run a COUNT per filter choice over the whole trail.
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ("tenant",)
    search_fields = ("target_number",)
    search_help_text = (
        "A record number, a request id (in full, or its first 8 characters as the console "
        "shows it) or an actor's email, exactly."
    )
    show_full_result_count = False
    list_per_page = 100
    paginator = CappedPaginator
    # Newest first; "at" is indexed alone, with the tenant and with the action.
    ordering = ("-at", "-id")
    actions = None

    def title_for(self, obj):
        # Its number in the tenant's chain, as the list shows it: "Audit entry 184 of acme-hvac".
        return f"Audit entry {obj.seq} of {obj.tenant.slug}"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def get_search_results(self, request, queryset, search_term):
        # Exact matches only, each on an indexed column: a LIKE over 1,000,000 rows would scan.
        term = search_term.strip()
        if not term:
            return queryset, False
        if "@" in term:
            return queryset.filter(actor_label=term.lower()), False
        match = Q(target_number__in={term, term.upper()})
        # A record number may look like a request id's prefix too: either may match.
        if ids := uuid_range(term):
            match |= Q(request_id__range=ids)
        return queryset.filter(match), False

    @admin.display(description="When", ordering="at")
    def when(self, obj):
        return times.time_html(obj.at)

    @admin.display(description="Entry", ordering="tenant__slug")
    def entry(self, obj):
        """The entry by its number in its tenant's chain: "acme-hvac #184"."""
        return f"{obj.tenant.slug} #{obj.seq}"

    @admin.display(description="Record", ordering="target_number")
    def record_link(self, obj):
        return record_link(obj.tenant.slug, obj.target_number)

    @admin.display(description="Request")
    def request_link(self, obj):
        return request_link(obj.request_id)

    @admin.display(description="Why", ordering="code")
    def why(self, obj):
        # The words first; the code, for support and the API, small and muted after them.
        if not obj.code:
            return ""
        return format_html(
            '{} <small class="ud-code">{}</small>', capfirst(in_words(obj.code)), obj.code
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.csv", view(self.export_view), name="audit_auditentry_export"),
            path("verify/", view(self.verify_view), name="audit_auditentry_verify"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        query = request.GET.urlencode()
        tenant_id = request.GET.get("tenant__id__exact", "")
        extra = {
            "export_url": reverse("admin:audit_auditentry_export") + (f"?{query}" if query else ""),
            "verify_url": reverse("admin:audit_auditentry_verify")
            + (f"?tenant={tenant_id}" if tenant_id.isdigit() else ""),
        }
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def export_view(self, request):
        """The filtered list as CSV, streamed (audit/exports.py): a large export holds no memory."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(request, "Those filters are not valid. Choose them again from the list.")
            return redirect("admin:audit_auditentry_changelist")
        entries = changelist.get_queryset(request).order_by("tenant_id", "seq")
        response = StreamingHttpResponse(
            csv_pieces(entries), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response

    def verify_view(self, request):
        """Walk a tenant's hash chain and say whether it holds, naming the first bad entry."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        tenants = Tenant.objects.order_by("slug")
        chosen = request.GET.get("tenant", "")
        tenant = tenants.filter(pk=chosen).first() if chosen.isdigit() else None
        report = verify_chain(tenant=tenant) if tenant else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Audit chain verification",
            "tenants": tenants,
            "tenant": tenant,
            "report": report,
            "unknown": bool(chosen) and tenant is None,
        }
        return TemplateResponse(request, "admin/audit/auditentry/verify.html", context)
