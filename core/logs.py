"""What every log line carries, and how it is written.

A request's id, method, path, tenant and actor (and a task's name, outbox row and attempt)
are kept in a context variable for as long as the request or the task runs; `Context`, a
logging filter, copies them onto each record, so a line logged anywhere in between says
which request or task it belongs to. `LOG_FORMAT=json` writes the records as JSON lines
(python-json-logger); plain text otherwise.

No secret ever goes into the context: the path is the one `loggable_path` gives, with the
values of secret URL parts (the approval link's token, a password reset's) left out.
"""

import contextvars
import logging
from contextlib import contextmanager

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

_context = contextvars.ContextVar("log_context", default=None)

# URL parts that are secrets by name: links sent by email carry them in their path.
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})
HIDDEN = "…"
# Attributes some loggers put on their records that are not for a log line: Django's request
# object (its headers hold cookies and tokens) and runserver's.
NOT_LOGGED = ("request", "server_time", "color_message")

# The names a JSON line gives the standard fields; "time" is ISO 8601 in UTC.
JSON_FIELDS = {"levelname": "level", "name": "logger"}


def current():
    """The fields of the request or task running now (a dict; empty outside one)."""
    return _context.get() or {}


@contextmanager
def bound(**fields):
    """Add `fields` to every line logged inside the block (a request, a task)."""
    token = enter(**fields)
    try:
        yield
    finally:
        leave(token)


def enter(**fields):
    """`bound`'s start, for a block begun and ended by two callbacks (a Celery task's
    prerun and postrun signals): returns what `leave` takes."""
    return _context.set({**current(), **fields})


def leave(token):
    _context.reset(token)


def bind(**fields):
    """Add `fields` to the lines logged from here to the end of the enclosing `bound` block:
    what becomes known part-way (the tenant and actor, once a change is audited)."""
    fields = {name: value for name, value in fields.items() if value not in (None, "")}
    context = _context.get()
    if context is not None:
        context.update(fields)


def loggable_path(request):
    """The request's path with the values of its secret URL parts replaced by '…'."""
    match = getattr(request, "resolver_match", None)
    path = request.path
    if match is None:
        return path
    for name, value in match.kwargs.items():
        if name in SECRET_URL_KWARGS and value:
            path = path.replace(str(value), HIDDEN)
    return path


class Context(logging.Filter):
    """Copy the current request's or task's fields onto each record (never over a field
    the line sets itself); and keep the raw path out of Django's own request warnings."""

    def filter(self, record):
        for name, value in current().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            # Django logs a 4xx or 5xx answer after the middleware have run: from the request.
            if not hasattr(record, "request_id"):
                record.request_id = getattr(request, "request_id", "")
                record.method = request.method
            # django.request logs "Not Found: <path>" with the raw path as an argument.
            safe = loggable_path(request)
            if safe != request.path and isinstance(record.args, tuple):
                record.args = tuple(safe if arg == request.path else arg for arg in record.args)
        return True


class Json(JsonFormatter):
    """One JSON object a line: time, level, logger, message, then the context's fields and
    the line's own. Django's request object (on its own warnings) is left out: it is not
    JSON, and its headers carry cookies and tokens."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", JSON_FIELDS)
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "taskName", *NOT_LOGGED])
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)


class Plain(logging.Formatter):
    """The plain line of `make run`, with the request's id at its end where there is one."""

    def format(self, record):
        line = super().format(record)
        request_id = getattr(record, "request_id", "")
        return f"{line} [request {request_id}]" if request_id else line
