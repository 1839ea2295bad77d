"""A stored file as an HTTP answer: images, audio and video shown inline, PDF as itself, anything
else downloaded; never sniffed by the browser, never run (the JSON API's media door and the
sandbox phone's)."""

from django.http import FileResponse

INLINE_TYPES = ("image/", "audio/", "video/")


def stored_file_response(stored, mime_type: str, filename: str) -> FileResponse:
    mime = mime_type.split(";")[0].strip().lower()
    inline = mime.startswith(INLINE_TYPES) and mime not in {"image/svg+xml"}
    response = FileResponse(
        stored.open("rb"),
        content_type=mime if inline or mime == "application/pdf" else "application/octet-stream",
        as_attachment=not inline,
        filename=filename or stored.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
