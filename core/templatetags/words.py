from django import template

from core import words

register = template.Library()


@register.simple_tag
def say(key):
    """One of the sentences people read (`core.words.SAID`), by its name."""
    return words.SAID[key]
