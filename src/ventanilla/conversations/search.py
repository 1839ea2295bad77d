"""Searching the words of messages with each database's own full-text index
(docs/chat.md#search, docs/adr/0030-message-search-waiting-and-follow-up.md).

The index is made by migration 0008: PostgreSQL a GIN index on
`to_tsvector('ventanilla_search', text)` (the 'simple' configuration behind `unaccent`),
SQLite an FTS5 external-content table kept by triggers (`unicode61 remove_diacritics 2`),
MariaDB a FULLTEXT index (its utf8mb4_unicode_ci collation ignores accents and case). A query is
its words, folded (accents and case dropped), each a prefix ("fact" finds "factura"), all
required. Never `LIKE '%…%'`: that reads every message.
"""

import re

from django.db import connection
from django.db.models.expressions import RawSQL

from ventanilla.core.text import fold

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# InnoDB indexes no word shorter than innodb_ft_min_token_size (3 by default)
MARIADB_MIN_TERM = 3
FTS_TABLE = "conversations_message_fts"
PG_CONFIG = "ventanilla_search"
SNIPPET_LENGTH = 120

_WORD = re.compile(r"\w+")


def terms(q: str) -> list[str]:
    """The words of a search, folded, at most MAX_TERMS of MAX_TERM_LENGTH characters."""
    words = [word[:MAX_TERM_LENGTH] for word in _WORD.findall(fold(q or ""))]
    if connection.vendor == "mysql":
        words = [word for word in words if len(word) >= MARIADB_MIN_TERM]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _match(words: list[str]) -> tuple[str, list[str]]:
    """A condition on a row of `conversations_message` true when its text holds every word
    (each as a prefix), and its parameters. The words are `\\w+` only: no query syntax in
    them."""
    vendor = connection.vendor
    if vendor == "postgresql":
        query = " & ".join(f"'{word}':*" for word in words)
        sql = (
            f"to_tsvector('{PG_CONFIG}', conversations_message.text) "
            f"@@ to_tsquery('{PG_CONFIG}', %s)"
        )
        return sql, [query]
    if vendor == "mysql":
        query = " ".join(f"+{word}*" for word in words)
        return "MATCH (conversations_message.text) AGAINST (%s IN BOOLEAN MODE)", [query]
    query = " ".join(f'"{word}"*' for word in words)
    fts = FTS_TABLE
    sql = f"conversations_message.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)"  # noqa: S608
    return sql, [query]


def conversations_matching(words: list[str]) -> RawSQL:
    """The ids of the conversations with a message holding `words`, for `pk__in`."""
    sql, params = _match(words)
    select = "SELECT conversations_message.conversation_id FROM conversations_message WHERE "
    return RawSQL(select + sql, params)  # noqa: S611 (names are constants, words are bound)


def messages_matching(messages, words: list[str]):
    """`messages` (a Message queryset) narrowed to those holding `words`."""
    sql, params = _match(words)
    return messages.extra(where=[sql], params=params)  # noqa: S610 (the words are \w+ only)


def snippet(text: str, words: list[str]) -> str:
    """The part of `text` around the first word that starts with one of `words`, on one line."""
    flat = " ".join(text.split())
    start = 0
    for match in _WORD.finditer(flat):
        if any(fold(match.group()).startswith(word) for word in words):
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
