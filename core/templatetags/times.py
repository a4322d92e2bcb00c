"""Every time a page shows, once: `{% load times %}{{ unlock.created_at|at }}` writes
"2026-12-08 11:51 MST" in the reader's zone, with the same moment in UTC on hover
(`title`) and to machines (`datetime`). `{{ value|at:"Y-m-d H:i:s T" }}` names a format."""

from datetime import datetime

from django import template

from core import times

register = template.Library()


@register.filter
def at(value, format_name="DATETIME_FORMAT"):
    """A moment as its reader reads it, UTC on hover; nothing where there is none."""
    if not isinstance(value, datetime):
        return ""
    return times.time_html(value, format_name)


@register.filter
def clock(value):
    """The time of day only ("12:08 MST"), UTC on hover."""
    if not isinstance(value, datetime):
        return ""
    return times.time_html(value, shown=times.clock(value))
