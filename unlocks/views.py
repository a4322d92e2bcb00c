"""Pages of the unlock flow for tenant admins."""

from django.http import HttpResponse


def approve(request, token):
    return HttpResponse("The approval page is not built yet.", status=501)
