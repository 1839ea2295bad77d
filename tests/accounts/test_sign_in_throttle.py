"""Sign-in throttling counts per account and per client address (issue 13, finding 7)."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from ventanilla.accounts.models import LoginFailure, Role


def _attempt(door: str, client, who: str, password: str, **extra) -> int:
    if door == "api":
        body = {"identifier": who, "password": password}
        return client.post("/api/auth/login", body, **extra).status_code
    form = {"identifier": who, "password": password}
    return client.post("/login/", form, **extra).status_code


@pytest.fixture
def door_client(request, api):
    return api() if request.param == "api" else Client()


@pytest.mark.parametrize(
    ("door", "door_client"), [("api", "api"), ("console", "console")], indirect=["door_client"]
)
def test_finding_7_username_and_email_of_one_account_share_one_bucket(
    door, door_client, make_user, settings
):
    # given an account with a username and an e-mail, and five guesses allowed per account
    settings.LOGIN_THROTTLE_MAX_FAILURES = 5
    make_user(Role.SALES, username="vale", email="vale@example.com")
    # when three wrong passwords come with the username and two with the e-mail (any case)
    wrong = [_attempt(door, door_client, "vale", "bad") for _ in range(3)]
    wrong += [_attempt(door, door_client, "Vale@Example.com", "bad") for _ in range(2)]
    # then the account is throttled, by either name, even with the right password
    assert wrong == ([401] * 5 if door == "api" else [200] * 5)
    assert _attempt(door, door_client, "vale@example.com", PASSWORD) == 429
    assert _attempt(door, door_client, "VALE", PASSWORD) == 429
    assert list(LoginFailure.objects.values_list("identifier", flat=True)) == ["vale"] * 5


def test_finding_7_a_sign_in_by_email_clears_the_failures_typed_with_the_username(api, make_user):
    # given two wrong guesses with the username
    make_user(Role.SALES, username="vale", email="vale@example.com")
    client = api()
    for _ in range(2):
        client.post("/api/auth/login", {"username": "vale", "password": "bad"})
    # when the person signs in with the e-mail
    response = client.post("/api/auth/login", {"email": "vale@example.com", "password": PASSWORD})
    # then the account's failures are gone
    assert response.status_code == 200
    assert LoginFailure.objects.count() == 0


def test_unknown_names_count_per_typed_name_lowercased(api, db, settings):
    # given three guesses allowed per name
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    client = api()
    # when one unknown name is tried in three spellings of case
    statuses = [
        client.post("/api/auth/login", {"username": name, "password": "bad"}).status_code
        for name in ("Nadie", "NADIE", " nadie ")
    ]
    # then it is one bucket, and another unknown name is still let through
    assert statuses == [401, 401, 401]
    assert client.post("/api/auth/login", {"username": "nadie", "password": "x"}).status_code == 429
    assert client.post("/api/auth/login", {"username": "otro", "password": "x"}).status_code == 401
    identifiers = LoginFailure.objects.order_by("pk").values_list("identifier", flat=True)
    assert list(identifiers) == ["nadie", "nadie", "nadie", "otro"]


def test_finding_7_behind_a_trusted_proxy_each_client_has_its_own_address_bucket(api, db, settings):
    # given a proxy the desk trusts, and one guess per name (four per address)
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.LOGIN_THROTTLE_MAX_FAILURES = 1
    client = api()

    def attempt(name: str, forwarded_for: str) -> int:
        body = {"username": name, "password": "bad"}
        via_proxy = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": forwarded_for}
        return client.post("/api/auth/login", body, **via_proxy).status_code

    # when one client behind it tries four names, forging a new address in front of its own each
    # time (the proxy appends the address it sees)
    first_four = [attempt(f"guess{n}", f"198.51.100.{n}, 203.0.113.7") for n in range(4)]
    # then its fifth attempt is throttled, while another client behind the same proxy is not
    assert first_four == [401] * 4
    assert attempt("guess4", "198.51.100.99, 203.0.113.7") == 429
    assert attempt("guess5", "203.0.113.8") == 401
    addresses = LoginFailure.objects.order_by("pk").values_list("ip_address", flat=True)
    assert list(addresses) == ["203.0.113.7"] * 4 + ["203.0.113.8"]


def test_a_forwarded_for_from_a_peer_that_is_no_trusted_proxy_is_ignored(api, db, settings):
    # given no trusted proxy, and one guess per name (four per address)
    settings.TRUSTED_PROXIES = []
    settings.LOGIN_THROTTLE_MAX_FAILURES = 1
    client = api()
    # when one address tries five names, each with another X-Forwarded-For
    statuses = [
        client.post(
            "/api/auth/login",
            {"username": f"guess{n}", "password": "bad"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(5)
    ]
    # then the header changes nothing: the fifth is throttled
    assert statuses == [401, 401, 401, 401, 429]
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "address"),
    [
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # the peer is no proxy: header ignored
        ("10.0.0.5", None, "10.0.0.5"),  # a trusted proxy that forwarded nothing
        ("10.0.0.5", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the right-most untrusted
        ("10.0.0.5", "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # past a second trusted proxy
        ("10.0.0.5", "203.0.113.7,10.0.0.9 , ::1", "203.0.113.7"),
        ("10.0.0.5", "10.0.0.8, 10.0.0.9", "10.0.0.8"),  # all trusted: the left-most
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("10.0.0.5", "203.0.113.7:5555", "203.0.113.7"),
        ("10.0.0.5", "[2001:db8::7]:5555", "2001:db8::7"),
        ("10.0.0.5", "not-an-address", "10.0.0.5"),  # no proxy appends that: keep the peer's
        ("10.0.0.5", "", "10.0.0.5"),
    ],
)
def test_client_address_is_the_right_most_untrusted_forwarded_address(
    peer, forwarded_for, address, rf, settings
):
    from ventanilla.core.addresses import client_address

    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "::1"]
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}

    assert client_address(rf.get("/", REMOTE_ADDR=peer, **headers)) == address


def test_a_trusted_proxies_entry_that_is_no_address_stops_the_start(settings):
    from django.core.exceptions import ImproperlyConfigured

    from ventanilla.core.addresses import trusted_proxies

    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.example.com"]

    with pytest.raises(ImproperlyConfigured) as raised:
        trusted_proxies()

    assert str(raised.value) == (
        "TRUSTED_PROXIES: 'proxy.example.com' does not appear to be an IPv4 or IPv6 network"
    )
