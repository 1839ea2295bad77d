"""Browser tests: Debian's Chromium driven by Playwright against a real `ventanilla serve`.

Chromium is Debian's (`make e2e-deps` installs it); Playwright never downloads a browser. A
missing Chromium fails these tests: it is not a reason to skip them.
"""

import os

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.console import Console
from tests.e2e.server import Server, own_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root
    "--disable-gpu",
    "--disable-background-networking",  # no network here but loopback
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make e2e-deps` installs Debian's chromium")
    # module scope, not session: the sync API's event loop must be gone before async tests run
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def serve(tmp_path, request):
    """`serve()` starts a fresh desk (`serve(demo=True)`: with the demo data) and returns it."""
    started: list[Server] = []

    def start(*, demo: bool = False) -> Server:
        database = own_database()
        if database is not None:
            database.create()
        migrated = None if database else request.getfixturevalue("migrated_sqlite")
        server = Server(
            tmp_path / f"server{len(started) + 1}",
            demo=demo,
            database=database,
            migrated_file=migrated,
        )
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()
        print(f"--- {server.log} (shown when the test fails)\n{server.log_text()[-20_000:]}")
        if server.database is not None:
            server.database.drop()


@pytest.fixture
def console(browser):
    """`console(server)` opens one person's browser on that server."""
    opened: list[Console] = []

    def open_console(server: Server) -> Console:
        person = Console(browser, server)
        opened.append(person)
        return person

    yield open_console
    for person in opened:
        person.close()
