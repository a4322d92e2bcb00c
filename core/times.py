"""Times as each person reads them: in their own time zone, with the zone named
("2026-12-08 11:51 MST"), and the same moment in UTC for whoever compares it with an audit
entry or the API (which stays UTC).

The zone in force is the one `django.utils.timezone` has active: the reader's, set for a
page by `accounts.middleware.TimeZoneMiddleware`; the tenant's, for its emails. Formats are
the project's (config/formats): DATETIME_FORMAT ends with the zone's name.
"""

from datetime import UTC
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.utils import formats, timezone
from django.utils.html import format_html

# What every zone is called where none is known: the server's.
DEFAULT_ZONE = "UTC"


@cache
def zone_names() -> frozenset:
    """Every IANA time zone name this machine knows (America/Denver, Australia/Sydney)."""
    return frozenset(available_timezones())


def zone_named(name):
    """The zone called `name`, or None for anything that is not a zone's name (a cookie
    or a form may send anything)."""
    if isinstance(name, str) and name in zone_names():
        return ZoneInfo(name)
    return None


def zone_choices():
    """The zones to choose from, by name, Area/City sorted."""
    return [(name, name.replace("_", " ")) for name in sorted(zone_names()) if "/" in name]


def local(value, format_name="DATETIME_FORMAT"):
    """`value` in the active zone, as the project's format writes it: "2026-12-08 11:51 MST"."""
    return formats.date_format(timezone.localtime(value), format_name)


def in_utc(value, format_name="DATETIME_FORMAT"):
    """`value` in UTC, written alike: "2026-12-08 18:51 UTC"."""
    return formats.date_format(value.astimezone(UTC), format_name)


def clock(value):
    """The time of day of `value` in the active zone, with the zone: "12:08 MST"."""
    return local(value, "TIME_FORMAT") + " " + local(value, "T")


def time_html(value, format_name="DATETIME_FORMAT", shown=None):
    """`value` for a page: in the reader's zone, the same moment in UTC on hover (`title`)
    and to machines (`datetime`)."""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        in_utc(value, format_name),
        local(value, format_name) if shown is None else shown,
    )
