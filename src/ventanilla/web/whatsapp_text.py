"""A message's text as WhatsApp shows it: links, *bold*, _italic_, ~strike~, ```monospace```
and `inline code`; one implementation for the Chat screen's bubbles, the sandbox phone and the
chat list's plain preview (docs/adr/0024-reading-like-whatsapp.md).

Safe by construction: the text is escaped first, and the only markup ever added is this module's
own tags (`strong`, `em`, `del`, `code`, `a`, `br`) around pieces of that escaped text. A link's
address is a piece of the escaped text that starts with http://, https:// or www. (an address
cannot hold a quote: a quote is escaped to `&quot;`, which ends the address). Formatted spans are
set aside as opaque placeholders as soon as they are made, so spans never overlap and every tag
is closed where it was opened.

The markers follow WhatsApp's rule: an opening marker follows the start, a space or punctuation
and is followed by a non-space; a closing one follows a non-space and is followed by the end, a
space or punctuation; a span stays on one line (monospace blocks may span lines). Spans nest
(`*_both_*`); text inside code and links is left as it is.
"""

import html
import re
from collections.abc import Callable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_HOLE = "\x00"  # placeholders are \x00<n>\x00: the character is removed from the text first
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_BLOCK = re.compile(r"```(?=[^`])(.+?)(?<=[^`])```", re.DOTALL)
_INLINE_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
# on escaped text: "&" only as "&amp;", so any other entity (&lt; &gt; &quot; &#x27;) ends it
_URL = re.compile(r"(?<![^\W_]|[@/.\-])(?:https?://|www\.)(?:[^\s&\x00]|&amp;)+", re.IGNORECASE)
_TRAILING = ".,:;!?'\"¡¿…*_~"  # punctuation, and a closing marker around a link
# what any pattern above needs in the text: a marker, a link's start or a placeholder's hole
_MAY_FORMAT = re.compile(r"[*_~`\x00]|https?://|www\.", re.IGNORECASE)
_EMPHASIS = (("*", "strong"), ("_", "em"), ("~", "del"))


def _emphasis_pattern(marker: str) -> re.Pattern:
    m = re.escape(marker)
    # not after a letter or digit; then a non-space ... a non-space; not before a letter or digit
    return re.compile(
        rf"(?<![^\W_]){m}(?=[^\s{m}])((?:(?!{m})[^\n])*?[^\s{m}]){m}(?![^\W_])",
    )


_EMPHASIS_PATTERNS = tuple((_emphasis_pattern(marker), tag) for marker, tag in _EMPHASIS)


class _Render:
    """One text's rendering: the placeholders set aside so far and how each kind is written."""

    def __init__(self, *, markup: bool):
        self.markup = markup
        self.held: list[str] = []

    def hold(self, piece: str) -> str:
        self.held.append(piece)
        return f"{_HOLE}{len(self.held) - 1}{_HOLE}"

    def wrap(self, tag: str, inner: str, attributes: str = "") -> str:
        return f"<{tag}{attributes}>{inner}</{tag}>" if self.markup else inner

    def code(self, match: re.Match) -> str:
        return self.hold(self.wrap("code", match.group(1), ' class="wa-code"'))

    def link(self, match: re.Match) -> str:
        address, rest = _trim(match.group(0))
        href = address if "://" in address[:8] else f"https://{address}"
        attributes = f' href="{href}" target="_blank" rel="noopener noreferrer"'
        return self.hold(self.wrap("a", address, attributes)) + rest

    def emphasize(self, text: str) -> str:
        for pattern, tag in _EMPHASIS_PATTERNS:
            text = pattern.sub(self._span(tag), text)
        return text

    def _span(self, tag: str) -> Callable[[re.Match], str]:
        return lambda match: self.hold(self.wrap(tag, self.emphasize(match.group(1))))

    def restore(self, text: str) -> str:
        while _HOLE in text:
            text = _PLACEHOLDER.sub(lambda match: self.held[int(match.group(1))], text)
        return text


def _trim(escaped: str) -> tuple[str, str]:
    """(address, what follows it) of a matched address: closing punctuation and an unbalanced
    closing bracket belong to the sentence, not to the address."""
    raw = html.unescape(escaped)
    end = len(raw)
    while end and (
        raw[end - 1] in _TRAILING
        or (raw[end - 1] == ")" and raw[:end].count(")") > raw[:end].count("("))
    ):
        end -= 1
    return escape(raw[:end]), escape(raw[end:])


def _render(text: str, *, markup: bool) -> str:
    render = _Render(markup=markup)
    escaped = str(escape(str(text).replace(_HOLE, "")))
    escaped = _BLOCK.sub(render.code, escaped)
    escaped = _INLINE_CODE.sub(render.code, escaped)
    escaped = _URL.sub(render.link, escaped)
    return render.restore(render.emphasize(escaped))


def to_html(text: str) -> SafeString:
    """The text as a bubble shows it: escaped, formatted, links, line breaks as <br>."""
    return mark_safe(_render(text, markup=True).replace("\n", "<br>"))  # noqa: S308 (escaped)


def to_plain(text: str) -> str:
    """The text with WhatsApp's markers taken away (for the chat list's preview): not escaped."""
    text = str(text)
    if not _MAY_FORMAT.search(text):  # most messages: nothing to take away
        return text
    return html.unescape(_render(text, markup=False))
