"""What the customer's QuickBooks holds of a record, in words (`unlocks.in_the_books`):
`{{ target.quickbooks|in_quickbooks:currency }}` gives the lines a person reads."""

from django import template

from unlocks import in_the_books

register = template.Library()


@register.filter
def in_quickbooks(part, currency):
    """The lines of one target's `quickbooks` part; none where the books were not asked."""
    if not part:
        return []
    return in_the_books.in_words(part, currency, batch="transactions" in part)


@register.filter
def window_in_quickbooks(outcome):
    """The lines of a window's end statement (kept in the request's `window_outcome`)."""
    return in_the_books.window_in_words((outcome or {}).get("books"))
