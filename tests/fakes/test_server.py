"""The fakes' shared plumbing: scripts apply in order to matching requests, reset forgets all."""

import httpx
import pytest

from tests.fakes.cloud_api import DEFAULT_PHONE_NUMBER_ID


def _send(fake, to="5493515551111") -> int:
    return httpx.post(
        f"{fake.url}/{DEFAULT_PHONE_NUMBER_ID}/messages",
        json={"messaging_product": "whatsapp", "to": to, "type": "text"},
        headers={"Authorization": f"Bearer {fake.access_token}"},
    ).status_code


def test_scripts_apply_in_order_to_the_requests_they_match(fake_cloud_api):
    fake_cloud_api.fail_next(503, path="^GET ")
    fake_cloud_api.fail_next(500, times=2, path="/messages$")

    statuses = [_send(fake_cloud_api) for _ in range(3)]

    assert statuses == [500, 500, 200]
    assert len(fake_cloud_api.requests) == 3
    assert len(fake_cloud_api.sent_messages()) == 1
    # the GET failure, never matched, still waits
    assert httpx.get(f"{fake_cloud_api.url}/{DEFAULT_PHONE_NUMBER_ID}").status_code == 503


@pytest.mark.parametrize(
    ("fake_name", "usual_status"), [("fake_cloud_api", 401), ("fake_wppconnect", 404)]
)
def test_reset_forgets_the_requests_and_the_scripts(fake_name, usual_status, request):
    fake = request.getfixturevalue(fake_name)
    fake.fail_next(500, times=5)
    assert httpx.get(f"{fake.url}/anything").status_code == 500

    fake.reset()

    assert fake.requests == []
    assert httpx.get(f"{fake.url}/anything").status_code == usual_status  # no more failures


def test_reset_forgets_the_sends(fake_cloud_api):
    assert _send(fake_cloud_api) == 200

    fake_cloud_api.reset()

    assert (fake_cloud_api.requests, fake_cloud_api.sent_messages()) == ([], [])
