"""Where the bot will answer a customer's message (the flows issue fills this in)."""


def on_customer_message(conversation, message) -> None:
    return None
