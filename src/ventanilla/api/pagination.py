"""`?limit=&cursor=` on every API list; the answer is `{"items": [...], "next": cursor | null}`."""

from ninja import Schema

from ventanilla.core.pagination import MAX_LIMIT, keyset_page

DEFAULT_LIMIT = 50

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "PageQuery", "keyset_page"]


class PageQuery(Schema):
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
