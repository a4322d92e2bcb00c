"""A UUID as people read it out: in full, or by the first digits the console shows."""

import re
import uuid

# The console shows a request's id by its first 8 characters (the first group of hex digits).
SHORT_ID_DIGITS = 8
HEX_PREFIX = re.compile(rf"[0-9a-f]{{{SHORT_ID_DIGITS},32}}")


def uuid_range(term):
    """The lowest and highest UUIDs that start with `term`: a UUID, or a hex prefix of at
    least 8 digits, dashes and case aside. None when `term` is neither.

    A prefix is a range of UUIDs, which an index on the column answers; a LIKE on the
    text of each id would read every row.
    """
    digits = term.strip().lower().replace("-", "")
    if not HEX_PREFIX.fullmatch(digits):
        return None
    return uuid.UUID(digits.ljust(32, "0")), uuid.UUID(digits.ljust(32, "f"))
