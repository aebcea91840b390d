import socket

from celery import shared_task
from django.utils import timezone


@shared_task(name="helpcenter.ping")
def ping() -> dict:
    """Answer with the worker's host and clock: proves a worker takes tasks from the broker."""
    return {"host": socket.gethostname(), "at": timezone.now().isoformat()}
