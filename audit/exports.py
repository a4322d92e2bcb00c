"""The audit trail as CSV: one csv.writer pass over the entries, streamed in blocks.

The body is never held whole: rows come from the database a chunk at a time and
leave as bytes a block at a time, so an export of any size keeps to a few megabytes.
"""

import csv
import io
import json
from itertools import islice

from audit.chain import HASHED_FIELDS
from audit.selectors import in_seq_order

CSV_COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")
CSV_HEADER = ("tenant", *CSV_COLUMNS)
# What each column of CSV_HEADER reads.
CSV_VALUES = ("tenant__slug", *CSV_COLUMNS)

# Rows per piece of the streamed body: one piece per row would cost a socket write each.
CSV_BLOCK = 1000
# Rows per fetch from the database.
CSV_CHUNK = 5000

# Columns that hold client-supplied text, which a spreadsheet must not run as a formula.
DEFUSED = ("actor_label", "target_number", "user_agent", "http_request_id")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CLIENT_TEXT = [CSV_HEADER.index(c) for c in DEFUSED]
_DATA = CSV_HEADER.index("data")

# The `data` column's text: one encoder for every row (json.dumps builds one per call).
_encode_data = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def csv_pieces(entries):
    """The CSV bytes of `entries` (a queryset of audit entries), tenant by tenant in seq
    order, the header first, in pieces of CSV_BLOCK rows. A client that goes away closes
    this generator, and no more is read."""
    rows = in_seq_order(entries, CSV_VALUES, chunk=CSV_CHUNK)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for block in _blocks(rows):
        writer.writerows(map(_csv_row, block))
        if buffer.tell():
            yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()


def _blocks(rows):
    """`rows` in lists of CSV_BLOCK, the last one shorter (empty if they divide evenly)."""
    while True:
        block = list(islice(rows, CSV_BLOCK))
        yield block
        if len(block) < CSV_BLOCK:
            return


def _csv_row(row):
    row = list(row)
    for i in _CLIENT_TEXT:
        if row[i].startswith(FORMULA_START):
            row[i] = "'" + row[i]
    row[_DATA] = _encode_data(row[_DATA])
    return row
