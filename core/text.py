"""Text as it arrives from people and programs."""


def storable(text):
    """Whether text can be stored and compared: no NUL byte, no lone surrogate.

    PostgreSQL refuses NUL in text and JSON, and a lone surrogate (what invalid
    UTF-8 becomes when decoded leniently) cannot be encoded for any database.
    """
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
