"""The support agent's console in /admin/: record lookup, opening, verifying, cancelling.

Every action calls a service function of `unlocks.services` with the agent as actor;
a `Refusal` becomes a form error or an admin message in `show_refusal`, and nowhere else.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters

from accounts.models import Tenant
from accounts.selectors import tenant_admins
from audit.actors import Actor, request_context
from config.read_only_admin import ReadOnlyAdmin
from config.uuid_search import uuid_range
from unlocks import services
from unlocks.admin_forms import CancelForm, OpenRequestForm, VerifyForm
from unlocks.consent import current_consent
from unlocks.links import approval_url
from unlocks.models import (
    Batch,
    ConsentText,
    Invoice,
    LockState,
    Payment,
    RecordType,
    RequestStatus,
    UnlockRequest,
    UnlockTarget,
)
from unlocks.refusals import Refusal
from unlocks.rules import DUPLICATE_RISK_TEXT
from unlocks.selectors import batch_members, record_by_number, records_numbered
from unlocks.timeline import timeline_for

admin.site.site_header = "Unlock desk"
admin.site.site_title = "Unlock desk"
admin.site.index_title = "Support console"
# Nothing is served at / for a "View site" link to open.
admin.site.site_url = None

WHY_LOCKED = {
    LockState.OPEN: "Not locked: it can be edited and exported as it is.",
    LockState.BYPASSED: "Bypassed: handled outside the export, so it is read-only.",
    LockState.IMPORTED: "Imported from another system, so it is read-only.",
    LockState.EXPORTED: "Exported to the accounting system: support can never unlock it.",
}


def actor_for(request):
    return Actor.for_user(request.user, **request_context(request))


def show_refusal(request, refusal, form=None):
    """The one place a refusal becomes what the agent sees: a form error, else a message."""
    text = refusal.message
    if form is not None:
        form.add_error(None, text)
    else:
        messages.error(request, text)


def state_badge(state, label=None):
    return format_html('<span class="ud-badge ud-{}">{}</span>', state, label or state)


# ---------------------------------------------------------------- read-only record lists


class RecordAdmin(ReadOnlyAdmin):
    """Records change only through the platform and the unlock service: read-only here."""

    list_filter = ("state", "tenant")
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

    @admin.display(description="State", ordering="state")
    def state_display(self, obj):
        return state_badge(obj.state, obj.get_state_display())

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
    list_display = ("number", "tenant", "state_display", "exported_at", "lookup_link")
    readonly_fields = ("tenant", "number", "state", "exported_at", "created_at", "updated_at")


@admin.register(Invoice, Payment)
class TransactionAdmin(RecordAdmin):
    list_display = ("number", "tenant", "state_display", "batch", "customer", "lookup_link")
    list_select_related = ("tenant", "batch")
    readonly_fields = (
        "tenant",
        "number",
        "state",
        "batch",
        "customer",
        "amount_cents",
        "exported_at",
        "created_at",
        "updated_at",
    )


@admin.register(ConsentText)
class ConsentTextAdmin(ReadOnlyAdmin):
    """The consent versions, to read: a new version ships as a migration, never an edit."""

    list_display = ("version", "sha256", "created_at")
    readonly_fields = ("version", "text", "sha256", "created_at")
    show_facets = admin.ShowFacets.NEVER


# ---------------------------------------------------------------- unlock requests

OPENED = {
    "open": "Request opened. Send the approval link to a tenant admin, or verify now with "
    "the admin on the phone.",
    "record": "The records changed since the preview: every rule passes now, so the request "
    "was opened. Send the approval link to a tenant admin, or cancel it if the customer no "
    "longer wants it.",
}


def preview_rows(preview):
    """The previewed targets as the agent reads them: a refused target shows its refusal,
    not the duplicate risk, which matters only for what can be unlocked."""
    refused = {}
    for refusal in preview.refusals:
        if target := refusal.details.get("target"):
            refused.setdefault((target["type"], target["number"]), refusal.code)
    return [{**t, "refused": refused.get((t["type"], t["number"]), "")} for t in preview.targets]


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
class UnlockRequestAdmin(admin.ModelAdmin):
    list_display = (
        "short_id",
        "tenant",
        "status_display",
        "record_numbers",
        "channel",
        "caller_email",
        "ticket",
        "created_at",
    )
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
        return str(obj.pk)[:8]

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj):
        status = obj.status_now
        return state_badge(status, status.label)

    @admin.display(description="Records")
    def record_numbers(self, obj):
        return ", ".join(t.number for t in obj.targets.all())

    # -------------------------------------------------------------- urls

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("lookup/", view(self.lookup_view), name="unlocks_lookup"),
            path("open/", view(self.open_view), name="unlocks_unlockrequest_open"),
            path(
                "<path:object_id>/verify/",
                view(self.verify_view),
                name="unlocks_unlockrequest_verify",
            ),
            path(
                "<path:object_id>/cancel/",
                view(self.cancel_view),
                name="unlocks_unlockrequest_cancel",
            ),
            *super().get_urls(),
        ]

    def _require(self, request, codename):
        if not request.user.has_perm(f"unlocks.{codename}"):
            raise PermissionDenied

    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    def add_view(self, request, form_url="", extra_context=None):
        # Refuse here too, so staff without the permission are told so, not sent on.
        self._require(request, "add_unlockrequest")
        return redirect("admin:unlocks_unlockrequest_open")

    # -------------------------------------------------------------- lookup

    def lookup_view(self, request):
        """One search box: `tenant number` or a number alone across tenants."""
        self._require(request, "view_unlockrequest")
        query = request.GET.get("q", "").strip()
        cards, problem = [], ""
        if query:
            parts = query.replace("/", " ").split()
            tenant = None
            if len(parts) == 2:
                tenant = Tenant.objects.filter(slug=parts[0].lower()).first()
                if tenant is None:
                    problem = (
                        f"There is no tenant with the slug {parts[0]!r}. Check the customer's "
                        "account slug, or search by the record number alone."
                    )
            elif len(parts) != 1:
                problem = "Type a record number (B-1001), optionally after the tenant's slug."
            if not problem:
                records = records_numbered(number=parts[-1], tenant=tenant, limit=10)
                cards = [self._card(r) for r in records]
                if not cards:
                    where = f"in tenant {tenant.slug}" if tenant else "in any tenant"
                    problem = (
                        f"No batch, invoice or payment is numbered {parts[-1]} {where}. "
                        "Check the number with the customer (for example B-1001, INV-42)."
                    )
        context = self._context(
            request,
            "Record lookup",
            query=query,
            cards=cards,
            problem=problem,
            can_open=request.user.has_perm("unlocks.add_unlockrequest"),
            duplicate_risk_text=DUPLICATE_RISK_TEXT,
        )
        return TemplateResponse(request, "admin/unlocks/lookup.html", context)

    def _card(self, found):
        record = record_by_number(
            tenant=found.tenant, record_type=found.record_type, number=found.number
        )
        record.tenant = found.tenant
        preview = services.preview_request(
            tenant=found.tenant.slug,
            targets=[{"type": record.record_type, "number": record.number}],
        )
        batch = record if record.record_type == RecordType.BATCH else record.batch
        members = batch_members(batch) if batch is not None else []
        requests = record.requests
        return {
            "record": record,
            "why": WHY_LOCKED[record.state],
            "batch": batch if batch is not record else None,
            "members": members,
            "open_requests": [r for r in requests if r.status_now == RequestStatus.PENDING],
            "past_requests": [r for r in requests if r.status_now != RequestStatus.PENDING],
            "preview": preview,
            "warnings": preview.targets[0]["warnings"] if preview.targets else [],
            "open_url": reverse("admin:unlocks_unlockrequest_open")
            + "?"
            + urlencode(
                {"tenant": found.tenant.slug, "record": f"{record.record_type}:{record.number}"}
            ),
        }

    # -------------------------------------------------------------- open, with a preview

    def open_view(self, request):
        """Step 1 previews the rule results; step 2 opens the request and shows its page."""
        self._require(request, "add_unlockrequest")
        tenant_slug = request.POST.get("tenant") or request.GET.get("tenant", "")
        choices = self._target_choices(tenant_slug, request.GET.get("record", ""))
        form = OpenRequestForm(
            request.POST or None,
            tenants=Tenant.objects.order_by("slug"),
            target_choices=choices,
            initial={
                "tenant": tenant_slug,
                "targets": [request.GET["record"]] if request.GET.get("record") else [],
            },
        )
        preview, recorded = None, False
        action = request.POST.get("action")
        if request.method == "POST" and form.is_valid():
            targets = self._targets(form)
            if targets is not None:
                try:
                    # "record" is the attempt a refused preview offers: the same door, which
                    # refuses it, creates nothing and audits it.
                    if action in ("open", "record"):
                        unlock = self._open(request, form, targets)
                        messages.success(request, OPENED[action])
                        return redirect("admin:unlocks_unlockrequest_change", unlock.pk)
                    preview = services.preview_request(
                        tenant=form.cleaned_data["tenant"], targets=targets
                    )
                except Refusal as refusal:
                    show_refusal(request, refusal, form)
                    recorded = refusal.audited
        context = self._context(
            request,
            "Open an unlock request",
            form=form,
            preview=preview,
            preview_rows=preview_rows(preview) if preview else [],
            preview_warns=bool(preview) and any(t["warnings"] for t in preview.targets),
            recorded=recorded,
            caller_fields=[
                form[name]
                for name in ("caller_name", "caller_email", "channel", "reason", "ticket")
            ],
            duplicate_risk_text=DUPLICATE_RISK_TEXT,
        )
        return TemplateResponse(request, "admin/unlocks/open_request.html", context)

    def _target_choices(self, tenant_slug, record_ref):
        """The looked-up record with its batch and the batch's transactions, to pick from."""
        record_type, _, number = record_ref.partition(":")
        tenant = Tenant.objects.filter(slug=tenant_slug).first() if tenant_slug else None
        if tenant is None or record_type not in RecordType.values or not number:
            return []
        record = record_by_number(tenant=tenant, record_type=record_type, number=number)
        if record is None:
            return []
        batch = record if record_type == RecordType.BATCH else record.batch
        family = [batch, *batch_members(batch)] if batch is not None else [record]
        return [
            (f"{r.record_type}:{r.number}", f"{r.number} · {r.record_type} · {r.state}")
            for r in family
        ]

    def _targets(self, form):
        targets = []
        for ref in form.cleaned_data["targets"]:
            record_type, _, number = ref.partition(":")
            targets.append({"type": record_type, "number": number})
        tenant = Tenant.objects.filter(slug=form.cleaned_data["tenant"]).first()
        for number in form.cleaned_data["more_numbers"]:
            found = records_numbered(number=number, tenant=tenant, limit=1) if tenant else []
            if not found:
                form.add_error(
                    "more_numbers",
                    f"There is no record numbered {number} in this tenant. Check the number.",
                )
                return None
            spec = {"type": found[0].record_type, "number": found[0].number}
            if spec not in targets:
                targets.append(spec)
        return targets

    def _open(self, request, form, targets):
        data = form.cleaned_data
        return services.open_request(
            tenant=data["tenant"],
            targets=targets,
            caller_name=data["caller_name"],
            caller_email=data["caller_email"],
            channel=data["channel"],
            reason=data["reason"],
            ticket=data["ticket"],
            actor=actor_for(request),
        )

    # -------------------------------------------------------------- the request page

    def change_view(self, request, object_id, form_url="", extra_context=None):
        unlock = self.get_object(request, unquote(object_id))
        if unlock is None:
            return self._response_missing(request, object_id)
        if not self.has_view_permission(request, unlock):
            raise PermissionDenied
        return self._request_page(request, unlock)

    def _response_missing(self, request, object_id):
        messages.warning(
            request,
            f"There is no unlock request with the id {object_id!r}. Search the list by "
            "ticket, caller email or record number.",
        )
        return redirect("admin:unlocks_unlockrequest_changelist")

    def _request_page(self, request, unlock, verify_form=None, cancel_form=None):
        targets = list(unlock.targets.select_related("batch", "invoice", "payment"))
        consent = current_consent()
        admins = list(tenant_admins(tenant=unlock.tenant))
        # Past its expiry it reads as expired, with nothing left to do: acting would expire it.
        pending = unlock.status_now == RequestStatus.PENDING
        can_verify = pending and request.user.has_perm("unlocks.verify_unlockrequest")
        can_cancel = pending and request.user.has_perm("unlocks.cancel_unlockrequest")
        if can_verify and verify_form is None:
            verify_form = VerifyForm(admins=admins, initial={"consent_version": consent.version})
        if can_cancel and cancel_form is None:
            cancel_form = CancelForm()
        # The duplicate risk as approving would judge it now, not as recorded at opening:
        # a risk that appeared since must be acknowledged, one that went needs no tick.
        judged = services.preview_pending(unlock) if pending else None
        risky_now = (
            {(v["type"], v["number"]) for v in judged.targets if v["warnings"]} if judged else set()
        )
        rows = [
            {
                "target": t,
                "duplicate_risk": (t.record_type, t.number) in risky_now
                if pending
                else bool(t.warnings),
            }
            for t in targets
        ]
        context = self._context(
            request,
            f"Unlock request {str(unlock.pk)[:8]}",
            original=unlock,
            unlock=unlock,
            targets=targets,
            target_rows=rows,
            timeline=timeline_for(unlock),
            approval_url=approval_url(unlock) if pending else "",
            consent=consent,
            needs_ack=bool(risky_now),
            duplicate_risk_text=DUPLICATE_RISK_TEXT,
            verify_form=verify_form if can_verify else None,
            cancel_form=cancel_form if can_cancel else None,
            admins=admins,
            pin_locked_until=unlock.tenant.pin_locked_until
            if unlock.tenant.pin_locked_until and unlock.tenant.pin_locked_until > timezone.now()
            else None,
        )
        return TemplateResponse(request, "admin/unlocks/request_page.html", context)

    def _posted(self, request, object_id, codename):
        if request.method in ("GET", "HEAD"):
            # The address bar or the history opened a form's target: show the request instead.
            return None, redirect("admin:unlocks_unlockrequest_change", object_id)
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        self._require(request, codename)
        unlock = self.get_object(request, unquote(object_id))
        if unlock is None:
            return None, self._response_missing(request, object_id)
        return unlock, None

    @method_decorator(sensitive_post_parameters("pin"))
    def verify_view(self, request, object_id):
        """An admin on the phone gives the PIN and accepts the consent; unlock at once."""
        unlock, response = self._posted(request, object_id, "verify_unlockrequest")
        if response:
            return response
        form = VerifyForm(request.POST, admins=tenant_admins(tenant=unlock.tenant))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.verify_and_unlock(
                    request_id=unlock.pk,
                    approver_email=data["admin_email"],
                    pin=data["pin"],
                    consent_version=data["consent_version"],
                    consent_accepted=data["consent_accepted"],
                    duplicate_risk_acknowledged=data["duplicate_risk_acknowledged"],
                    actor=actor_for(request),
                )
            except Refusal as refusal:
                return self._refused(request, unlock, refusal, verify_form=form)
            messages.success(request, "Approved: the records are unlocked.")
            return redirect("admin:unlocks_unlockrequest_change", unlock.pk)
        return self._request_page(request, unlock, verify_form=form)

    def cancel_view(self, request, object_id):
        unlock, response = self._posted(request, object_id, "cancel_unlockrequest")
        if response:
            return response
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                services.cancel_request(
                    request_id=unlock.pk,
                    reason=form.cleaned_data["reason"],
                    actor=actor_for(request),
                )
            except Refusal as refusal:
                return self._refused(request, unlock, refusal, cancel_form=form)
            messages.success(request, "Request cancelled.")
            return redirect("admin:unlocks_unlockrequest_change", unlock.pk)
        return self._request_page(request, unlock, cancel_form=form)

    def _refused(self, request, unlock, refusal, **forms):
        """Next to the form while the request is pending; once closed, as a message."""
        unlock.refresh_from_db()
        if unlock.is_pending:
            show_refusal(request, refusal, next(iter(forms.values())))
            return self._request_page(request, unlock, **forms)
        show_refusal(request, refusal)
        return redirect("admin:unlocks_unlockrequest_change", unlock.pk)
