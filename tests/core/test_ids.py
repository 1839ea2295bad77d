"""Ids read from text: ASCII digits from 1 to the largest id a database stores, nothing else."""

import pytest

from ventanilla.conversations.outbox import message_id_of
from ventanilla.core.fields import MAX_ID, id_from_text
from ventanilla.web.flow_forms import _id_or_raw


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        (str(MAX_ID), MAX_ID),
        ("²", None),
        ("٣", None),
        ("0", None),
        ("", None),
        (str(MAX_ID + 1), None),
        ("-1", None),
        (" 7", None),
    ],
)
def test_an_id_is_ascii_digits_in_range(text, expected):
    assert id_from_text(text) == expected


def test_a_status_echoing_a_reference_that_is_no_id_settles_nothing():
    assert message_id_of("ventanilla-message:42") == 42
    assert message_id_of("ventanilla-message:²") is None
    assert message_id_of("ventanilla-message:" + "9" * 30) is None


def test_the_flow_editor_keeps_an_area_that_is_no_id_as_typed():
    # the service then names the field; the editor must not fail first
    assert (_id_or_raw("12"), _id_or_raw("²"), _id_or_raw("")) == (12, "²", None)
