"""What a line can do, declared per provider: the rest of the desk asks `of(line)` instead of
comparing providers. The table is docs/whatsapp.md's "What each way can do"; a test compares."""

from dataclasses import dataclass

from ventanilla.providers.models import Line, Provider


@dataclass(frozen=True)
class Capabilities:
    interactive_menus: bool  # buttons and lists; without them a menu goes as numbered text
    customer_service_window: bool  # free text for 24 h after the customer wrote; then templates
    echoes_send_reference: bool  # a send's reference comes back in its statuses (ADR 0017)
    message_templates: bool  # approved templates synced from the business account, sendable
    uploads_media: bool = False  # a file is uploaded first and sent by its media id (ADR 0023)


NOTHING_SPECIAL = Capabilities(
    interactive_menus=False,
    customer_service_window=False,
    echoes_send_reference=False,
    message_templates=False,
)

BY_PROVIDER = {
    Provider.CLOUD: Capabilities(
        interactive_menus=True,
        customer_service_window=True,
        echoes_send_reference=True,
        message_templates=True,
        uploads_media=True,
    ),
    Provider.WPPCONNECT: NOTHING_SPECIAL,
    Provider.SANDBOX: NOTHING_SPECIAL,
}


def of(line: Line) -> Capabilities:
    return BY_PROVIDER.get(line.provider, NOTHING_SPECIAL)
