"""`Authorization: Token <key>` for helpdesk API clients; keys are looked up by their hash."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from accounts.selectors import api_client_for_key


class ApiClientPrincipal:
    """What `request.user` is for an API client: authenticated, but not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, client):
        self.client = client
        self.pk = None

    def __str__(self):
        return self.client.name

    def has_perm(self, perm, obj=None):
        return False


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                "The Authorization header must be 'Token <key>', with the key and nothing else."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(
                "The API key has characters no key has. Copy the key again and retry."
            ) from None
        client = api_client_for_key(key)
        if client is None:
            raise AuthenticationFailed(
                "That API key is not valid or was revoked. Ask support for a new key "
                "(manage.py create_api_client NAME)."
            )
        return ApiClientPrincipal(client), client

    def authenticate_header(self, request):
        return self.keyword
