"""The header of the tenant's pages offers each person what they can use: a member gets
no Requests, Account PIN or Second factor link (each answers them "admins only")."""

from django.test import Client


def header(user):
    client = Client()
    client.force_login(user)
    page = client.get("/records/").content.decode()
    return page.split('aria-label="Your account"')[1].split("</nav>")[0]


def test_a_member_sees_records_and_time_zone_only(dana):
    nav = header(dana)
    assert 'href="/records/"' in nav and 'href="/settings/time-zone/"' in nav
    for admins_only in ("/requests/", "/settings/pin/", "/settings/second-factor/"):
        assert f'href="{admins_only}"' not in nav


def test_an_admin_sees_every_setting(pat):
    nav = header(pat)
    for link in ("/requests/", "/records/", "/settings/pin/", "/settings/second-factor/"):
        assert f'href="{link}"' in nav
