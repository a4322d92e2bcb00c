"""The front door, `/`: the address the server prints at start. Anyone signed out is sent
to sign in; support staff go to the console's work queue, a tenant's admins to their
requests, its other people to "was this exported?"."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.selectors import tenants_administered_by


@never_cache
@require_GET
def front_door(request):
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if user.is_staff:
        return redirect("admin:index")
    if tenants_administered_by(user=user).exists():
        return redirect("tenant_requests")
    return redirect("records")
