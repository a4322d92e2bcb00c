"""Celery tasks of the audit trail: signing checkpoints on the beat schedule, and when an
approval commits."""

import logging

from celery import shared_task

from audit import checkpoints

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sign_checkpoints():
    """Sign every tenant's chain head that moved; how many were signed."""
    try:
        return checkpoints.sign_checkpoints()
    except checkpoints.NoSigningKey:
        log.warning("No checkpoint signing key is configured: no checkpoint was signed.")
        return 0


@shared_task(ignore_result=True)
def sign_checkpoint(tenant_id):
    """Sign one tenant's chain head now (an approval asks for it once it commits)."""
    try:
        checkpoint = checkpoints.sign_checkpoint(tenant_id=tenant_id)
    except checkpoints.NoSigningKey:
        log.warning("No checkpoint signing key is configured: no checkpoint was signed.")
        return None
    return checkpoint.number if checkpoint else None
