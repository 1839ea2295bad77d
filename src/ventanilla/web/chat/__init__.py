"""The Chat screen: the conversation list on the left, the open conversation on the right.

Thin like the rest of the console: forms parse (`forms`), `conversations.selectors` read through
the visibility rule, the services write, and `rows` and `thread` turn what was read into what the
templates show. Every read is bounded: the list and the thread are keyset pages, and the notes,
names and choices around them are one query each, however many rows.

htmx swaps the parts (the list, the pane, the composer, the contact card); without it every form
still works as a plain post and redirect. The chat scripts keep the screen live from the /ws/
socket by asking the small partials of `views` for the rows and bubbles that changed (one
rendering path).
"""
