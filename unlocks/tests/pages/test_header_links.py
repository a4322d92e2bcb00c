"""The header of the tenant's pages offers each person what they can use: a member gets
no Requests, Account PIN or Second factor link (each answers them "admins only")."""

from django.test import Client


def page(user):
    client = Client()
    client.force_login(user)
    return client.get("/records/").content.decode()


def header(user):
    return page(user).split('aria-label="Your account"')[1].split("</nav>")[0]


def test_a_member_sees_records_only(dana):
    nav = header(dana)
    assert 'href="/records/"' in nav
    for admins_only in ("/requests/", "/settings/pin/", "/settings/second-factor/"):
        assert f'href="{admins_only}"' not in nav


def test_an_admin_sees_every_setting(pat):
    nav = header(pat)
    for link in ("/requests/", "/records/", "/settings/pin/", "/settings/second-factor/"):
        assert f'href="{link}"' in nav


def test_everyone_signed_in_is_told_the_zone_times_are_in_and_where_to_change_it(dana):
    footer = page(dana).split("data-zone>")[1].split("</p>")[0]
    assert "Times are in UTC" in footer and 'href="/settings/time-zone/"' in footer
