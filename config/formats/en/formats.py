"""How dates and times read on every page that does not name its own format.

Django's English default ("Dec. 2, 2026, 6:35 a.m.") names no time zone and reads
differently from the times our own pages write out. Agents quote times to callers and
compare them with audit entries: one unambiguous form everywhere, 2026-12-02 06:50 UTC.
Only what is shown changes; forms still accept what they accepted.
"""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
# T is the zone's name: UTC, as TIME_ZONE says the project runs.
DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
MONTH_DAY_FORMAT = "F j"
YEAR_MONTH_FORMAT = "F Y"
