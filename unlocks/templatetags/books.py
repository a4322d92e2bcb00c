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
