"""A console whose session ends goes to the login page instead of reconnecting (issue 13, 3)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server

pytestmark = pytest.mark.e2e


def test_finding_3_an_open_console_signed_out_elsewhere_goes_to_the_login_page(
    serve, console
) -> None:
    # given an admin with Chats open and its socket up
    server: Server = serve()
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    admin.wait_until(lambda: [frame["event"] for frame in admin.frames] == ["resume:done"])
    # when their session is signed out from another tab (the API, with the same cookie)
    admin.api("POST", "/api/auth/logout")
    # then the page goes to the login page, asking to come back to Chats, without reconnecting
    expect(admin.page).to_have_url(re.compile(r"/login/\?next=%2F$"))
    expect(admin.page.get_by_label("Usuario o correo electrónico")).to_be_visible()
    admin.page.wait_for_timeout(1000)
    assert admin.sockets == 1
    assert admin.errors == []
