"""The httpx clients the adapters talk to their servers with.

httpx builds an SSL context for every client it makes unless it is handed one (`verify=` an
`ssl.SSLContext` is used as it is), and a verified one loads the CA bundle: tens of milliseconds
of CPU. So the process builds one, the first time a client needs it, and every client shares it.
A client for a plain http:// server (WPPConnect Server on the same machine, a test's fake) needs
none until it is sent to an https:// URL (a Cloud API media link), which is when it gets it.
"""

import ssl
import threading

import httpx

_lock = threading.Lock()
_verified: ssl.SSLContext | None = None


def verified_tls() -> ssl.SSLContext:
    """The process's one verified TLS context (httpx's defaults: certifi, or SSL_CERT_FILE)."""
    global _verified
    with _lock:
        if _verified is None:
            _verified = httpx.create_ssl_context()
        return _verified


# Handed to the transport of an http:// client, which must have one; it trusts no certificate,
# and no request reaches it: https:// ones go through _TlsWhenNeeded.
_TRUSTS_NOTHING = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class _TlsWhenNeeded(httpx.BaseTransport):
    """The https:// requests of a client for an http:// server, over the verified context, built
    with its transport at the first such request."""

    def __init__(self):
        self._lock = threading.Lock()
        self._transport: httpx.HTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if self._transport is None:
                self._transport = httpx.HTTPTransport(verify=verified_tls())
            transport = self._transport
        return transport.handle_request(request)

    def close(self) -> None:
        with self._lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()


def new_client(base_url: str, *, timeout: float) -> httpx.Client:
    """A client with its own connection pool, for the server at `base_url`."""
    if base_url.lower().startswith("https://"):
        return httpx.Client(timeout=timeout, verify=verified_tls())
    return httpx.Client(
        timeout=timeout, verify=_TRUSTS_NOTHING, mounts={"https://": _TlsWhenNeeded()}
    )


class HttpClientOwner:
    """An adapter holding `http`: a client it was given (a line's pooled one, shared) or one it
    built for itself, which it closes."""

    http: httpx.Client
    _owns_http: bool

    def _use_http(self, http: httpx.Client | None, base_url: str, *, timeout: float) -> None:
        self._owns_http = http is None
        self.http = http if http is not None else new_client(base_url, timeout=timeout)

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
