"""WhatsApp Web through a WPPConnect Server (wppconnect-team/wppconnect-server) run beside
Ventanilla: REST client and tolerant webhook parser.

Pure provider layer: no models, no database; it only knows `ventanilla.providers.base`.
"""

from ventanilla.providers.wppconnect.client import (
    WppConnectClient,
    build_send_request,
    session_state,
)
from ventanilla.providers.wppconnect.errors import error_from_response
from ventanilla.providers.wppconnect.parser import (
    SessionEvent,
    WppEvent,
    parse_event,
    parse_event_body,
)

__all__ = [
    "SessionEvent",
    "WppConnectClient",
    "WppEvent",
    "build_send_request",
    "error_from_response",
    "parse_event",
    "parse_event_body",
    "session_state",
]
