"""Celery tasks of the outbox. Each one is safe to run twice."""

from celery import shared_task

from notifications import services


@shared_task(ignore_result=True)
def deliver_outbox_message(message_id):
    """Send one outbox message if it is still due and no other worker holds it."""
    services.deliver_message(message_id)


@shared_task(ignore_result=True)
def dispatch_due_messages():
    """The sweep: enqueue messages that are due but were never (or no longer) queued,
    e.g. because the broker was down at commit or a worker died holding them."""
    return services.enqueue(services.due_messages())
