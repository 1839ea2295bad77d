"""One person at the console: a browser context of their own (cookies, storage) on one server."""

import json
import time

from playwright.sync_api import Browser, Page, expect

from tests.e2e.server import Server

SCREEN = {"width": 1366, "height": 768}
TIME_ZONE = "America/Argentina/Buenos_Aires"
WAIT_MS = 15_000  # a shared two-core machine: generous, and only ever reached when failing

expect.set_options(timeout=WAIT_MS)


class Console:
    def __init__(self, browser: Browser, server: Server):
        self.server = server
        self.context = browser.new_context(
            viewport=SCREEN,
            locale="es-AR",
            timezone_id=TIME_ZONE,
            base_url=server.url,
            extra_http_headers={"Accept-Language": "es-AR,es;q=0.9"},
        )
        self.context.set_default_timeout(WAIT_MS)
        self.page: Page = self.context.new_page()
        self.frames: list[dict] = []  # every frame the server sent on this console's /ws/ sockets
        self.sockets = 0  # how many /ws/ sockets the page opened (reconnections included)
        self.errors: list[str] = []  # uncaught script errors and what the CSP refused
        self.page.on("websocket", self._socket_opened)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console_message)

    def _console_message(self, message) -> None:
        if "Content Security Policy" in message.text:  # Chromium reports each refusal here
            self.errors.append(message.text)

    def _socket_opened(self, socket) -> None:
        if socket.url.endswith("/ws/"):
            self.sockets += 1
            socket.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        if isinstance(payload, str):
            self.frames.append(json.loads(payload))

    def sign_in(self, username: str, password: str) -> Page:
        page = self.page
        page.goto("/login/")
        page.get_by_label("Usuario o correo electrónico").fill(username)
        page.get_by_label("Contraseña").fill(password)
        page.get_by_role("button", name="Ingresar").click()
        expect(page).to_have_url(f"{self.server.url}/")
        return page

    def api(self, method: str, path: str, body: dict | None = None):
        """The JSON API with this person's session, as the console's own scripts call it."""
        request = self.page.request
        token = request.get("/api/auth/csrf").json()["csrf_token"]
        response = request.fetch(path, method=method, data=body, headers={"X-CSRFToken": token})
        assert response.ok, f"{method} {path}: {response.status} {response.text()}"
        return response.json() if response.status != 204 else None

    def mark_page(self) -> None:
        """Leaves a mark on the loaded document; `same_page()` is False after any reload."""
        self.page.evaluate("window.__e2eSamePage = true")

    def same_page(self) -> bool:
        return self.page.evaluate("window.__e2eSamePage === true")

    def wait_until(self, check, *, seconds: float = WAIT_MS / 1000) -> None:
        """Waits for `check()` on what Python has heard (the recorded frames), not the DOM."""
        deadline = time.monotonic() + seconds
        while not check():
            assert time.monotonic() < deadline, f"still false after {seconds} s: {self.frames}"
            self.page.wait_for_timeout(50)  # lets Playwright deliver the socket's events

    def frames_about(self, conversation_id: int) -> list[dict]:
        """The conversation and message events of one conversation this console received."""
        key = {"conversation": "id", "message": "conversation_id"}  # where each names it

        def of_it(frame: dict) -> bool:
            kind = frame.get("event", "").split(":")[0]
            return kind in key and frame.get("data", {}).get(key[kind]) == conversation_id

        return [frame for frame in self.frames if of_it(frame)]

    def close(self) -> None:
        self.context.close()
