"""WhatsApp's formatting and links, rendered safely: the cases people write, hostile ones, and
properties over generated text (whatever comes in, only the formatter's own tags come out,
balanced, and the text reads the same once the markers are taken away)."""

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ventanilla.web.whatsapp_text import to_html, to_plain

LINK = '<a href="{href}" target="_blank" rel="noopener noreferrer">{text}</a>'

CASES = [
    ("hola *mundo*", "hola <strong>mundo</strong>"),
    ("_itálica_ y ~tachado~", "<em>itálica</em> y <del>tachado</del>"),
    ("```a *b* _c_```", '<code class="wa-code">a *b* _c_</code>'),
    ("usá `pip install`", 'usá <code class="wa-code">pip install</code>'),
    ("*_las dos_*", "<strong><em>las dos</em></strong>"),
    ("*Hola*, ¿cómo va?", "<strong>Hola</strong>, ¿cómo va?"),
    ("2*3*4 y file_name_x", "2*3*4 y file_name_x"),
    ("* no * y _ tampoco _", "* no * y _ tampoco _"),
    ("*una\nlínea*", "*una<br>línea*"),
    ("*a*\n_b_", "<strong>a</strong><br><em>b</em>"),
    (
        "ver https://ejemplo.com/a_b_c.",
        "ver "
        + LINK.format(href="https://ejemplo.com/a_b_c", text="https://ejemplo.com/a_b_c")
        + ".",
    ),
    (
        "www.ejemplo.com.ar/x?a=1&b=2",
        LINK.format(
            href="https://www.ejemplo.com.ar/x?a=1&amp;b=2", text="www.ejemplo.com.ar/x?a=1&amp;b=2"
        ),
    ),
    (
        "*https://x.com*",
        "<strong>" + LINK.format(href="https://x.com", text="https://x.com") + "</strong>",
    ),
    (
        "(https://x.com/a_(b))",
        "(" + LINK.format(href="https://x.com/a_(b)", text="https://x.com/a_(b)") + ")",
    ),
]

HOSTILE = [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("*<img src=x onerror=alert(1)>*", "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>"),
    (
        'https://x.com/"onmouseover="alert(1)',
        LINK.format(href="https://x.com/", text="https://x.com/")
        + "&quot;onmouseover=&quot;alert(1)",
    ),
    (
        "https://x.com/<script>",
        LINK.format(href="https://x.com/", text="https://x.com/") + "&lt;script&gt;",
    ),
    ("javascript:alert(1)", "javascript:alert(1)"),
    ("data:text/html,<b>x</b>", "data:text/html,&lt;b&gt;x&lt;/b&gt;"),
    ("`</code><script>`", '<code class="wa-code">&lt;/code&gt;&lt;script&gt;</code>'),
    ("\x000\x00 *\x001\x00*", "0 <strong>1</strong>"),
    ("&lt; &amp; *&quot;*", "&amp;lt; &amp;amp; <strong>&amp;quot;</strong>"),
    ("_a *b_ c*", "_a <strong>b_ c</strong>"),
]


@pytest.mark.parametrize(("text", "expected"), CASES + HOSTILE)
def test_renders_as_whatsapp_does_and_safely(text, expected):
    assert to_html(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*Hola* _che_, mirá https://x.com/a_b", "Hola che, mirá https://x.com/a_b"),
        ("```co*de*``` ~x~ <b>", "co*de* x <b>"),
        ("a &amp; b", "a &amp; b"),
    ],
)
def test_plain_takes_the_markers_away(text, expected):
    assert to_plain(text) == expected


ALLOWED = {"strong": set(), "em": set(), "del": set(), "code": {"class"}, "br": set()}
LINK_ATTRIBUTES = {"href", "target", "rel"}


class _Reader(HTMLParser):
    """Reads the formatter's output back: its tags (checked as they come) and its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "a":
            values = dict(attrs)
            assert names == LINK_ATTRIBUTES
            assert values["href"].startswith(("https://", "http://"))
            assert (values["target"], values["rel"]) == ("_blank", "noopener noreferrer")
        else:
            assert tag in ALLOWED, tag
            assert names <= ALLOWED[tag]
        if tag == "br":
            self.text.append("\n")
        else:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, tag

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        raise AssertionError("a comment came out")

    def handle_decl(self, decl):
        raise AssertionError("a declaration came out")


MARKERS = str.maketrans("", "", "*_~`")
PIECES = st.sampled_from(
    [
        "*",
        "_",
        "~",
        "`",
        "```",
        "<",
        ">",
        "&",
        '"',
        "'",
        "\n",
        " ",
        "https://",
        "www.",
        "a",
        "é",
        "&amp;",
        "&lt;",
        "<script>",
        "</strong>",
        "javascript:",
        "(",
        ")",
        ".",
        "\x00",
        "1",
        "😀",
    ]
)
TEXTS = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=30).map("".join))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_any_text_gives_only_our_tags_balanced_and_the_same_words(text):
    rendered = to_html(text)
    reader = _Reader()
    reader.feed(rendered)
    reader.close()
    assert reader.open == []
    shown = "".join(reader.text)
    assert shown.translate(MARKERS) == text.replace("\x00", "").translate(MARKERS)
    assert to_plain(text) == shown
