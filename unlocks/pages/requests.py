"""A tenant admin's unlock requests, newest first, with links to approve and to receipts."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.selectors import tenants_administered_by
from unlocks.links import approval_token
from unlocks.models import RequestStatus
from unlocks.pages.shared import admins_only, status_in_words
from unlocks.selectors import requests_for

PAGE_SIZE = 50


@never_cache
@login_required
@require_GET
def tenant_requests(request):
    tenants = list(tenants_administered_by(user=request.user))
    if not tenants:
        return admins_only(request, None)
    page = Paginator(requests_for().filter(tenant__in=tenants), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for unlock in page.object_list:
        # Until the sweep runs, a pending request past its time is expired all the same.
        status = unlock.status_now
        said, style = status_in_words(unlock)
        rows.append(
            {
                "unlock": unlock,
                "status": said,
                "status_code": style,
                "approve_token": approval_token(unlock)
                if status == RequestStatus.PENDING
                else None,
            }
        )
    return render(
        request, "unlocks/requests.html", {"tenants": tenants, "page": page, "rows": rows}
    )
