from django import template

from core import words

register = template.Library()


@register.simple_tag
def say(key):
    """One of the sentences people read (`core.words.SAID`), by its name."""
    return words.SAID[key]


@register.filter
def in_words(code):
    """A refusal code as the words an agent says (`core.words.CODE_WORDS`)."""
    return words.in_words(code) if code else ""
