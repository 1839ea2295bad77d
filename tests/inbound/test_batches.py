"""Webhooks stored together: one transaction for a batch, yet each answered for itself."""

import json

from tests.fakes.cloud_api import CLOUD_APP_SECRET, sign
from tests.flows.samples import one_question_flow
from tests.inbound.cloud_posts import cloud_webhook
from ventanilla.api.webhooks import handle_cloud_posts
from ventanilla.contacts.models import Contact
from ventanilla.conversations.intake import InboundBatch
from ventanilla.conversations.models import Conversation, Message


def _signed(message_id: str, phone: str) -> tuple[bytes, str]:
    body = cloud_webhook(
        {"id": message_id, "type": "text", "text": {"body": message_id}}, phone=phone
    )
    raw = json.dumps(body).encode()
    return raw, sign(raw, CLOUD_APP_SECRET)


def test_a_batch_stores_every_webhook_once_and_answers_each(cloud_line):
    posts = [_signed(f"wamid.b{n}", f"54935155540{n % 3}") for n in range(9)]
    posts.append(posts[4])  # the same delivery twice in one batch

    answers = handle_cloud_posts(posts)

    assert [status for status, _ in answers] == [200] * 10
    assert [body["messages"] for _, body in answers] == [1] * 9 + [0]
    assert answers[9][1]["duplicates"] == 1
    assert Message.objects.filter(direction="in").count() == 9
    assert Contact.objects.count() == 3
    assert Conversation.objects.count() == 3
    for conversation in Conversation.objects.all():  # each customer's messages kept in order
        texts = list(conversation.messages.order_by("pk").values_list("text", flat=True))
        assert texts == sorted(texts, key=lambda text: int(text.removeprefix("wamid.b")))


def test_forged_and_unreadable_posts_are_refused_without_spoiling_the_batch(cloud_line):
    good = _signed("wamid.good", "5493515554100")
    unreadable = b"{not json"

    answers = handle_cloud_posts(
        [good, (good[0], "sha256=00"), (unreadable, sign(unreadable, CLOUD_APP_SECRET))]
    )

    assert [status for status, _ in answers] == [200, 403, 400]
    assert list(Message.objects.values_list("text", flat=True)) == ["wamid.good"]


def test_one_webhook_that_cannot_be_stored_fails_alone(cloud_line, monkeypatch):
    stored = InboundBatch.add

    def failing_for_one(batch, **kwargs):
        if kwargs["inbound"].provider_message_id == "wamid.bad":
            raise RuntimeError("disk full, say")
        return stored(batch, **kwargs)

    monkeypatch.setattr(InboundBatch, "add", failing_for_one)
    posts = [
        _signed("wamid.ok1", "5493515554201"),
        _signed("wamid.bad", "5493515554202"),
        _signed("wamid.ok2", "5493515554203"),
    ]

    answers = handle_cloud_posts(posts)

    assert [status for status, _ in answers] == [200, 503, 200]
    assert sorted(Message.objects.values_list("text", flat=True)) == ["wamid.ok1", "wamid.ok2"]
    # nothing of the failed one is left half-written: Meta retries it from scratch
    assert not Contact.objects.filter(phone="+5493515554202").exists()


def test_the_bot_answers_each_message_of_a_batch_in_turn(cloud_line):
    from ventanilla.flows.services import flow_create

    flow_create(data=one_question_flow())
    phone = "5493515554300"
    assert handle_cloud_posts([_signed("wamid.first", phone)])[0][0] == 200

    answers = handle_cloud_posts([_signed("wamid.a", phone), _signed("wamid.b", phone)])

    assert [status for status, _ in answers] == [200, 200]
    thread = list(
        Conversation.objects.get().messages.order_by("pk").values_list("direction", "text")
    )
    # each customer message is stored before the bot's answer to it (a menu, or a refusal and
    # the menu again), the batch notwithstanding
    directions = [direction for direction, _ in thread]
    runs = [d for n, d in enumerate(directions) if n == 0 or directions[n - 1] != d]
    assert runs == ["in", "out", "in", "out", "in", "out"]
    assert [text for direction, text in thread if direction == "in"] == [
        "wamid.first",
        "wamid.a",
        "wamid.b",
    ]


def test_a_repeated_delivery_after_the_close_opens_no_conversation(cloud_line):
    from ventanilla.conversations.services import conversation_close

    phone = "5493515554400"
    assert handle_cloud_posts([_signed("wamid.once", phone)])[0][0] == 200
    conversation_close(conversation=Conversation.objects.get(), by=None, message="")

    answers = handle_cloud_posts([_signed("wamid.once", phone), _signed("wamid.new", phone)])

    assert [body["duplicates"] for _, body in answers] == [1, 0]
    assert Message.objects.filter(direction="in").count() == 2
    # the closed one, and the one the new message opened: none for the repeated delivery
    assert Conversation.objects.count() == 2
    assert Conversation.objects.filter(open_key__isnull=False).get().messages.count() == 1


def test_finding_9_a_signed_body_nested_past_any_payload_is_refused_alone(cloud_line, caplog):
    poison = b"[" * 100_000
    good = _signed("wamid.beside", "5493515554500")

    answers = handle_cloud_posts([(poison, sign(poison, CLOUD_APP_SECRET)), good])

    assert [status for status, _ in answers] == [400, 200]
    assert "not readable JSON" in caplog.text
    assert list(Message.objects.values_list("provider_id", flat=True)) == ["wamid.beside"]
