"""What conversations announce to the packages above them, which they may not import.

`conversation_closed` is sent by `services.conversation_close` inside its transaction, after the
conversation is stored closed: `conversation` (locked until commit) and `by` (the person who
closed it; None for the bot and auto-close). A receiver's writes commit or roll back with the
close; one that must not undo the close guards itself (surveys, ADR 0031).

`contact_merged` is sent by `contact_merge.contact_merge` inside its transaction, once the
conversations of `other_id` (a contact now deleted) belong to `keep`: what awaited the merged
contact's messages awaits `keep`'s (surveys).
"""

from django.dispatch import Signal

conversation_closed = Signal()
contact_merged = Signal()
