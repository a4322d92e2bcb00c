"""The public keys document: what anyone needs to check a checkpoint or a bundle."""

from django.http import JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from audit.keys import keys_document


@require_GET
@cache_control(public=True, max_age=300)
def keys(request):
    """The checkpoint signing keys, current and retired, with their dates."""
    return JsonResponse(keys_document(), json_dumps_params={"indent": 2})
