"""The chat list row built in Python (web/chat/row_html.py) escapes every value it shows."""

from ventanilla.web.chat.row_html import row_html

HOSTILE = '<script>alert("x")</script>&\''


def _row(**changes) -> dict:
    row = {
        "id": 7,
        "status": "queued",
        "status_label": "En cola",
        "waits_for": "",
        "unread": 0,
        "unread_label": "",
        "assigned": "",
        "who": "",
        "name": "Ana",
        "initial": "A",
        "dni": "",
        "area": "",
        "when": "14:05",
        "activity": "2026-12-04T14:05:00-03:00",
        "activity_title": "viernes",
        "prefix": "",
        "preview": "",
        "href": "/chats/7/?tab=all",
        "labels": [],
        "match": "",
        "waiting_since": "",
        "waiting": "",
        "due_kind": "",
        "due_at": "",
        "due": "",
        "due_state": "",
        "due_title": "",
    }
    return row | changes


def test_every_shown_value_is_escaped():
    strings = [key for key, value in _row().items() if isinstance(value, str) and key != "due_at"]
    row = _row(
        **{key: HOSTILE for key in strings},
        unread=3,
        due_at=HOSTILE,
        labels=[{"name": HOSTILE, "color": HOSTILE}],
    )

    html = str(row_html(row))

    assert "<script>" not in html and '"x"' not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;") >= len(
        strings
    )


def test_an_empty_preview_shows_a_dash_and_optional_parts_are_left_out():
    html = str(row_html(_row()))

    assert '<span class="chat-item__preview">—</span>' in html
    for part in ("chat-item__unread", "tag--waiting", "tag--due", "chat-item__match", "tag--dni"):
        assert part not in html
    assert html.startswith('<a class="chat-item" id="conv-7"') and html.endswith("</a>\n")
