"""The ground floor: what every app may use and none owns (STYLE.md 15).

The one error type (`refusals`), the one error body (`errors`), small helpers for text,
search and the admin, and the words people read. Nothing here imports an app.
"""
