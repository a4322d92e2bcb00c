"""The audit trail in the console: read-only for everyone, superusers included.

Nobody may add, change or delete an entry here; the list filters, exports a
filtered list as streamed CSV, and checks a tenant's hash chain.
"""

import csv
import io
import json
from contextlib import closing
from itertools import islice

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Case, F, Func, Q, TextField, When
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Cast
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import Tenant
from audit.chain import HASHED_FIELDS
from audit.models import AuditEntry
from audit.selectors import prefetched_rows, verify_chain
from config.read_only_admin import ReadOnlyAdmin
from config.uuid_search import uuid_range

CSV_COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")


# Rows per piece of the streamed body: one piece per row would cost a socket write each.
CSV_BLOCK = 1000
# Rows per fetch from the database's server-side cursor.
CSV_CHUNK = 5000
CSV_HEADER = ("tenant", *CSV_COLUMNS)
# What each column of CSV_HEADER reads.
CSV_VALUES = ("tenant__slug", *CSV_COLUMNS)
# Columns that hold client-supplied text, which a spreadsheet must not run as a formula.
DEFUSED = ("actor_label", "target_number", "user_agent", "http_request_id")
CLIENT_TEXT = [CSV_HEADER.index(c) for c in DEFUSED]
DATA = CSV_HEADER.index("data")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# The `data` column's text. json.dumps with options builds an encoder per call; this one
# serves every row, on either path.
_encode_data = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def _csv_row(row):
    row = list(row)
    for i in CLIENT_TEXT:
        if row[i].startswith(FORMULA_START):
            row[i] = "'" + row[i]
    row[DATA] = _encode_data(row[DATA])
    return row


def _blocks(rows):
    """`rows` in lists of CSV_BLOCK, the last one shorter (empty if they divide evenly)."""
    while True:
        block = list(islice(rows, CSV_BLOCK))
        yield block
        if len(block) < CSV_BLOCK:
            return


def _csv_pieces(header, rows):
    """The CSV text of `header` and `rows`, in pieces of CSV_BLOCK rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for block in _blocks(rows):
        writer.writerows(map(_csv_row, block))
        if buffer.tell():
            yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# On PostgreSQL the database writes each row's CSV text as _csv_row and csv.writer
# would, but for `data`: jsonb keeps its own key order and escapes, so Python encodes
# that column as json.dumps does. A column's form gives its text, or NULL for none.
_CSV_TEXT = {
    "AutoField": "{c}::text",
    "BigAutoField": "{c}::text",
    "BigIntegerField": "{c}::text",
    "PositiveBigIntegerField": "{c}::text",
    "PositiveIntegerField": "{c}::text",
    "IntegerField": "{c}::text",
    "UUIDField": "{c}::text",
    # As str() of the aware UTC datetime: microseconds only when there are some.
    "DateTimeField": (
        """replace(to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US"+00:00"'), """
        "'.000000+', '+')"
    ),
    "CharField": "{c}",
    "SlugField": "{c}",
}
# The forms that may hold a character csv quotes.
_FREE_TEXT = {"CharField", "SlugField"}
_NEEDS_QUOTES = """('[,"' || chr(13) || chr(10) || ']')"""
_QUOTED = (
    f"CASE WHEN {{c}} ~ {_NEEDS_QUOTES} "
    """THEN '"' || replace({c}, '"', '""') || '"' ELSE {c} END"""
)
_STARTS = ", ".join(f"chr({ord(start)})" for start in FORMULA_START)
_DEFUSED = f"CASE WHEN left({{c}}, 1) IN ({_STARTS}) THEN '''' || {{c}} ELSE {{c}} END"


def _field(name):
    """The field whose value `name` reads: a foreign key reads its target's."""
    model = AuditEntry
    for part in name.split(LOOKUP_SEP):
        field = model._meta.get_field(part)
        model = field.related_model
    return field.target_field if field.many_to_one else field


def _csv_text(names):
    """An expression for the CSV text of the columns `names`; None if a field has no
    known form. Most rows hold no character csv quotes: for them the columns are joined
    as they are, at the cost of one check for the row instead of one per column."""
    plain, exact, free = [], [], []
    for name in names:
        kind = _field(name).get_internal_type()
        if kind not in _CSV_TEXT:
            return None
        form = _CSV_TEXT[kind]
        if name in DEFUSED:
            form = _DEFUSED.replace("{c}", form)
        plain.append(form)
        if kind in _FREE_TEXT:
            free.append(F(name))
            form = _QUOTED.replace("{c}", form)
        exact.append(form)

    def joined(forms):
        # Each form becomes a template for its column; none holds a %, which a
        # template would read as a placeholder.
        columns = [
            Func(
                F(name),
                template=f"COALESCE({form}, '')".replace("{c}", "%(expressions)s"),
                output_field=TextField(),
            )
            for name, form in zip(names, forms, strict=True)
        ]
        return Func(
            *columns, template="%(expressions)s", arg_joiner=" || ',' || ", output_field=TextField()
        )

    if not free:
        return joined(plain)
    needs_quotes = Func(
        *free, template=f"concat(%(expressions)s) ~ {_NEEDS_QUOTES}", output_field=BooleanField()
    )
    return Case(
        When(needs_quotes, then=joined(exact)), default=joined(plain), output_field=TextField()
    )


def _csv_text_query(queryset):
    """The SQL and parameters that read the queryset's rows as the CSV text of the
    columns before `data`, `data` as JSON text, and the CSV text of the columns after
    it; None if a column has no known form."""
    i = CSV_VALUES.index("data")
    before, after = _csv_text(CSV_VALUES[:i]), _csv_text(CSV_VALUES[i + 1 :])
    data = _field("data")
    # Python reads `data` as the ORM does: JSON text, never NULL, no decoder of its own.
    plain_json = data.get_internal_type() == "JSONField" and not data.null and not data.decoder
    if before is None or after is None or not plain_json:
        return None
    text = Cast("data", output_field=TextField())
    return queryset.values_list(before, text, after).query.sql_with_params()


def _csv_pieces_of_text(header, rows):
    """The text _csv_pieces gives, from the rows _csv_text_query reads."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(header)
    lines = [buffer.getvalue()]
    encode, loads = _encode_data, json.loads
    # A client that goes away closes this generator: close the rows' reader with it.
    with closing(rows):
        for block in _blocks(rows):
            for before, data, after in block:
                data = encode(loads(data))
                # The encoder escapes \r and \n: a quote or a comma is all csv quotes for.
                if '"' in data:
                    data = '"' + data.replace('"', '""') + '"'
                elif "," in data:
                    data = f'"{data}"'
                lines.append(f"{before},{data},{after}\r\n")
            if lines:
                yield "".join(lines)
            lines = []


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
    list_display = (
        "seq",
        "when",
        "tenant_slug",
        "actor_label",
        "action",
        "target_number",
        "request_link",
        "code",
    )
    list_display_links = ("seq", "when")
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

    @admin.display(description="When (UTC)", ordering="at")
    def when(self, obj):
        return obj.at.strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="Tenant", ordering="tenant__slug")
    def tenant_slug(self, obj):
        return obj.tenant.slug

    @admin.display(description="Request")
    def request_link(self, obj):
        if obj.request_id is None:
            return ""
        url = reverse("admin:unlocks_unlockrequest_change", args=[obj.request_id])
        return format_html('<a href="{}">{}</a>', url, str(obj.request_id)[:8])

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
        """The filtered list as CSV, streamed row by row so a large export holds no memory."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(request, "Those filters are not valid. Choose them again from the list.")
            return redirect("admin:audit_auditentry_changelist")
        entries = changelist.get_queryset(request).order_by("tenant_id", "seq")
        query = _csv_text_query(entries) if connection.vendor == "postgresql" else None
        if query:
            rows = prefetched_rows(*query, chunk_size=CSV_CHUNK)
            pieces = _csv_pieces_of_text(CSV_HEADER, rows)
        else:
            rows = entries.values_list(*CSV_VALUES).iterator(chunk_size=CSV_CHUNK)
            pieces = _csv_pieces(CSV_HEADER, rows)
        response = StreamingHttpResponse(pieces, content_type="text/csv; charset=utf-8")
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
