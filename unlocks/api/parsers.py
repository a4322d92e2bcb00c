"""The API's JSON parser: DRF's, with a size limit and no crash on deep nesting.

DRF reads the body from the stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE
(which guards `request.body`) would not apply; the limit is enforced here too.
"""

import io

from django.conf import settings
from rest_framework import exceptions, parsers

from core.errors import too_large_message


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"


def too_large():
    return RequestTooLarge(too_large_message())


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is not None and limit is not None:
            raw = stream.read(limit + 1)
            if len(raw) > limit:
                raise too_large()
            stream = io.BytesIO(raw)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                "JSON parse error - the body is nested too deeply."
            ) from None
