"""The console's native ES modules, no build step: the Chat screen's (static/web/chat/) and the
sandbox phone's, which share compose.js.

A browser loads a page's module from the address the page gives, then every module it imports by
a path relative to the address it got the importer from. Here each import is followed the same
way, from the address the page gives and through the desk's own static files (WhiteNoise, the
configured storage), so a module that is not served, served under another name or as anything but
JavaScript (browsers refuse to run such a module) fails here rather than in a browser.
"""

import re
from pathlib import Path
from urllib.parse import urljoin

from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client

STATIC = Path(__file__).resolve().parents[2] / "src/ventanilla/web/static/web"
ENTRIES = ["web/chat/main.js", "web/sandbox.js"]  # what the pages load
IMPORT = re.compile(r'^import\s+(?:\{([^}]*)\}\s+from\s+)?"([^"]+)";', re.MULTILINE)
EXPORT = re.compile(r"^export\s+(?:function|const|let)\s+(\w+)", re.MULTILINE)


def _served(client: Client, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200, url
    assert answer.headers["Content-Type"].startswith("text/javascript"), url
    return b"".join(answer.streaming_content).decode()


def test_every_module_is_reached_from_a_page_as_a_browser_would_and_has_what_is_imported():
    client = Client()
    sources = {}
    wanted: dict[str, set[str]] = {}
    todo = []
    for entry in ENTRIES:
        url = staticfiles_storage.url(entry)
        sources[url] = _served(client, url)
        todo.append(url)
    while todo:
        importer = todo.pop()
        for names, path in IMPORT.findall(sources[importer]):
            # relative, with its ending: what a browser resolves without an import map
            assert path.startswith(("./", "../")) and path.endswith(".js"), (importer, path)
            url = urljoin(importer, path)
            wanted.setdefault(url, set()).update(n.strip() for n in names.split(",") if n.strip())
            if url not in sources:
                sources[url] = _served(client, url)
                todo.append(url)
    # every file of the Chat screen's folder is part of it, and each module exports what others
    # import from it
    reached = {url.split("/static/web/", 1)[1] for url in sources}
    assert reached >= {f"chat/{p.name}" for p in (STATIC / "chat").glob("*.js")}
    assert "compose.js" in reached
    for url, names in wanted.items():
        assert names <= set(EXPORT.findall(sources[url])), url
    # and no module imports one that imports it back, however far round (docs/chat.md)
    graph = {
        url: {urljoin(url, path) for _, path in IMPORT.findall(js)} for url, js in sources.items()
    }

    def cycle_from(url: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if url in path:
            return (*path, url)
        return next(filter(None, (cycle_from(n, (*path, url)) for n in graph[url])), None)

    assert [cycle_from(url, ()) for url in graph] == [None] * len(graph)


def test_the_chat_page_loads_main_as_a_module_after_the_scripts_it_uses(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/").content.decode()
    htmx = html.index("/static/web/vendor/htmx-2.0.4.min.js")
    live = html.index('<script src="/static/web/live.js" defer></script>')
    main = html.index('<script type="module" src="/static/web/chat/main.js"></script>')
    # deferred scripts and modules run in document order once the page is parsed
    assert htmx < live < main
