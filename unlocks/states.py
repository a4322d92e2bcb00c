"""The states and kinds an unlock speaks of: plain choices, shared by the models and the rules."""

from django.db import models


class LockState(models.TextChoices):
    OPEN = "open", "Open"
    EXPORTED = "exported", "Exported"
    BYPASSED = "bypassed", "Bypassed"
    IMPORTED = "imported", "Imported"


class RecordType(models.TextChoices):
    BATCH = "batch", "Batch"
    INVOICE = "invoice", "Invoice"
    PAYMENT = "payment", "Payment"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"
    REFUSED = "refused", "Refused"


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    API = "api", "API"
