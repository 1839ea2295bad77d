"""JSON bodies whose strings hold NUL are refused before any view: PostgreSQL refuses NUL in every
text column, so it is a 422 naming the field here rather than a 500 at the first insert."""

import json

from django.http import HttpRequest, JsonResponse

from ventanilla.api.api import error_body
from ventanilla.core.errors import control_characters_text

ESCAPED_NUL = b"\\u0000"  # the only way JSON can carry NUL


class RejectNulInJson:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        is_json = request.content_type == "application/json"  # never read an upload here
        if is_json and request.path.startswith("/api/") and ESCAPED_NUL in request.body:
            try:
                where = nul_path(json.loads(request.body), [])
            except ValueError:
                where = None  # not JSON: the API's own parser answers
            if where is not None:
                message = control_characters_text()
                field = ".".join(where) or "body"
                detail = f"{field}: {message}"  # as the API words every field error
                return JsonResponse(error_body(detail, {field: [message]}), status=422)
        return self.get_response(request)


def nul_path(value, path: list[str]) -> list[str] | None:
    """The path of the first string (or key) holding NUL, else None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return path
        found = nul_path(item, [*path, str(key)])
        if found is not None:
            return found
    return None
