from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from core.read_only_admin import ReadOnlyAdmin
from notifications import selectors, services
from notifications.models import (
    WEBHOOK_EVENTS,
    DeliveryAttempt,
    MessageStatus,
    OutboxMessage,
    WebhookDelivery,
    WebhookEndpoint,
)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(e, f"{settings.NOTIFICATIONS_EVENT_PREFIX}{e}") for e in WEBHOOK_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        help_text="The events this endpoint receives.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "events", "tenant", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("Use an http:// or https:// address.")
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "tenant", "active", "event_list", "failed_deliveries"]
    list_filter = ["active"]
    search_fields = ["name", "url"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("tenant")
            .annotate(failed=Count("messages", filter=Q(messages__status=MessageStatus.FAILED)))
        )

    @admin.display(description="events")
    def event_list(self, endpoint):
        return ", ".join(endpoint.events)

    @admin.display(description="failed deliveries", ordering="failed")
    def failed_deliveries(self, endpoint):
        return endpoint.failed


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["number", "at", "ok", "status_code", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OutboxAdmin(ReadOnlyAdmin):
    """Read-only: rows change only by being delivered, failing, or the retry action."""

    list_display = [
        "created_at",
        "kind",
        "event",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "short_error",
    ]
    list_filter = ["status", "kind", "event"]
    search_fields = ["=event_id", "recipient", "=reference", "last_error"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created_at"
    inlines = [DeliveryAttemptInline]
    actions = ["retry_now"]
    readonly_fields = [
        "kind",
        "event",
        "event_id",
        "about",
        "endpoint",
        "recipient",
        "subject",
        "body",
        "html",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "retry_until",
        "leased_until",
        "delivered_at",
        "failed_at",
        "created_at",
    ]
    exclude = ["lease_token", "reference"]
    change_list_template = "admin/notifications/outboxmessage/change_list.html"

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_outboxmessage")

    @admin.display(description="about")
    def about(self, message):
        """The unlock request the message is about, linked to its page in the console."""
        if message.reference is None:
            return "-"
        try:
            url = reverse(settings.NOTIFICATIONS_REFERENCE_ADMIN_URL, args=[message.reference])
        except NoReverseMatch:
            return str(message.reference)
        return format_html('<a href="{}">{}</a>', url, message.reference)

    @admin.display(description="last error")
    def short_error(self, message):
        return message.last_error[:80]

    @admin.action(description="Send the selected messages again now", permissions=["retry"])
    def retry_now(self, request, queryset):
        count = services.retry_messages(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"{count} message{'s' if count != 1 else ''} queued to be sent again. Delivered "
            "ones are never sent twice.",
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "health": selectors.health_details()}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(OutboxAdmin):
    pass


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OutboxAdmin):
    list_display = [
        "created_at",
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "short_error",
    ]
    list_filter = ["status", "event", "endpoint"]
