"""Searching the words of messages with each database's own full-text index
(docs/chat.md#search, docs/adr/0030-message-search-waiting-and-follow-up.md).

The index is made by migration 0012: PostgreSQL a GIN index on the stored column
`search_vector`, `to_tsvector('ventanilla_search', text)` (the 'simple' configuration behind
`unaccent`; the column since migration 0018),
SQLite an FTS5 external-content table kept by triggers (`unicode61 remove_diacritics 2`),
MariaDB a FULLTEXT index (its utf8mb4_unicode_ci collation ignores accents and case). A query is
its words, folded (accents and case dropped), all required, read as they are typed: every word
but the last is a whole word ("factura" does not find "facturación"), the last one a prefix
("factura fact" finds "factura facturación"; docs/adr/0035-search-and-reports-at-scale.md).
Never `LIKE '%…%'`: that reads every message.
"""

import re
from datetime import datetime

from django.db import connection
from django.db.models import BooleanField, Exists, Expression, F, Func, OuterRef, Subquery

from ventanilla.conversations.models import Conversation, Message
from ventanilla.core.text import fold

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# InnoDB indexes no word shorter than innodb_ft_min_token_size (3 by default)
MARIADB_MIN_TERM = 3
FTS_TABLE = "conversations_message_fts"
PG_CONFIG = "ventanilla_search"
VECTOR_COLUMN = "search_vector"
SNIPPET_LENGTH = 120

_WORD = re.compile(r"\w+")


def terms(q: str) -> list[str]:
    """The words of a search, folded, at most MAX_TERMS of MAX_TERM_LENGTH characters; the last
    one typed stays last (the prefix), a repeated word counts once, where it was typed last."""
    words = [word[:MAX_TERM_LENGTH] for word in _WORD.findall(fold(q or ""))]
    if connection.vendor == "mysql":
        words = [word for word in words if len(word) >= MARIADB_MIN_TERM]
    words = list(reversed(dict.fromkeys(reversed(words))))
    return words if len(words) <= MAX_TERMS else [*words[: MAX_TERMS - 1], words[-1]]


def _is_searched(word: str, words: list[str]) -> bool:
    """Whether the folded `word` of a text is one of `words`, or starts with the last of them."""
    return word in words[:-1] or word.startswith(words[-1])


def _match(words: list[str], text: str, pk: str, vector: str) -> tuple[str, list[str]]:
    """A condition true when the message whose columns are `text`, `pk` and (PostgreSQL)
    `vector` (compiled SQL) holds every word (whole, the last one a prefix), and its parameters.
    The words are `\\w+` only: no query syntax in them."""
    vendor = connection.vendor
    *whole, last = words
    if vendor == "postgresql":
        query = " & ".join([*(f"'{word}'" for word in whole), f"'{last}':*"])
        return f"{vector} @@ to_tsquery('{PG_CONFIG}', %s)", [query]
    if vendor == "mysql":
        query = " ".join([*(f"+{word}" for word in whole), f"+{last}*"])
        # "> 0": Django writes a condition as "… = True", which a relevance of 0.3 is not
        return f"(MATCH ({text}) AGAINST (%s IN BOOLEAN MODE) > 0)", [query]
    query = " ".join([*(f'"{word}"' for word in whole), f'"{last}"*'])
    fts = FTS_TABLE
    return f"{pk} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)", [query]  # noqa: S608


class Matches(Expression):
    """True for a message that holds `words`: a condition for `Message` querysets, also inside a
    subquery (the columns are compiled with the query's own table alias)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, words: list[str]):
        super().__init__()
        self.words = words
        self.text, self.pk = F("text"), F("id")

    def get_source_expressions(self):
        return [self.text, self.pk]

    def set_source_expressions(self, expressions):
        self.text, self.pk = expressions

    def as_sql(self, compiler, connection):
        text, text_params = compiler.compile(self.text)
        pk, pk_params = compiler.compile(self.pk)
        sql, params = _match(self.words, text, pk, self._vector(compiler))
        return sql, (*text_params, *pk_params, *params)

    def _vector(self, compiler) -> str:
        """PostgreSQL's stored `to_tsvector` of the text (migration 0018), a column the model
        does not know, with the text's table alias."""
        identifiers = (self.text.alias, VECTOR_COLUMN) if self.text.alias else (VECTOR_COLUMN,)
        return ".".join(map(compiler.quote_name_unless_alias, identifiers))


def messages_matching(messages, words: list[str]):
    """`messages` (a Message queryset) narrowed to those holding `words`."""
    return messages.filter(Matches(words))


def has_match(words: list[str], *, active_since: datetime | None = None) -> Exists:
    """True for a conversation with a message holding `words`: an EXISTS per conversation, so
    the database may walk the list in its order and stop at a page when the words are common, or
    read the index first when they are rare (docs/adr/0035-search-and-reports-at-scale.md).

    `active_since`: for conversations active since then only, whose messages all belong to a
    conversation of at least the smallest such id; that bound lets the index's matches be read
    for the recent part of the table only."""
    messages = Message.objects.filter(conversation_id=OuterRef("pk")).filter(Matches(words))
    if active_since is not None:
        recent = Conversation.objects.filter(last_activity_at__gte=active_since).order_by()
        # MIN over the activity index's range (one row, no GROUP BY); "+ 0" keeps PostgreSQL
        # from answering MIN(id) by walking the primary key from its start instead
        first = recent.values(first=Func(F("id") + 0, function="MIN"))
        messages = messages.filter(conversation_id__gte=Subquery(first))
    return Exists(messages)


def snippet(text: str, words: list[str]) -> str:
    """The part of `text` around the first word matching one of `words`, on one line."""
    flat = " ".join(text.split())
    start = 0
    for match in _WORD.finditer(flat):
        if _is_searched(fold(match.group()), words):
            start = match.start()
            break
    if len(flat) <= SNIPPET_LENGTH:
        return flat
    begin = max(0, min(start - SNIPPET_LENGTH // 3, len(flat) - SNIPPET_LENGTH))
    if begin:
        space = flat.find(" ", begin)
        begin = space + 1 if 0 <= space < start else begin
    piece = flat[begin : begin + SNIPPET_LENGTH]
    return ("…" if begin else "") + piece + ("…" if begin + SNIPPET_LENGTH < len(flat) else "")
