"""What an agent may attach, checked before anything is written: the kind of a file is read from
its first bytes (never only from the browser's mime type or the extension), and each kind has the
size WhatsApp accepts (docs/whatsapp.md#media-limits). The console's composer checks the same table
before uploading (`limits_for_browser`); the service checks again on arrival.
"""

import uuid
import zipfile
from dataclasses import dataclass

from django.core.files.base import File
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ventanilla.core.errors import InvalidInput, TooLarge
from ventanilla.core.text import has_control_characters

KB = 1024
MB = 1024 * 1024
CAPTION_MAX = 1024  # Cloud API: image, video and document captions
FILENAME_MAX = 200
SNIFF_BYTES = 4096


@dataclass(frozen=True)
class Kind:
    name: str  # a MessageType value
    label: object  # lazy: the kind as people say it, in plural
    max_bytes: int
    mimes: tuple[str, ...]
    extensions: tuple[str, ...]  # what the browser's file picker offers
    captioned: bool


KINDS = {
    kind.name: kind
    for kind in (
        Kind(
            "image", gettext_lazy("imágenes"), 5 * MB, ("image/jpeg", "image/png"),
            (".jpg", ".jpeg", ".png"), True,
        ),
        Kind(
            "video", gettext_lazy("videos"), 16 * MB, ("video/mp4", "video/3gpp"),
            (".mp4", ".3gp"), True,
        ),
        Kind(
            "audio", gettext_lazy("audios"), 16 * MB,
            ("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"),
            (".aac", ".amr", ".mp3", ".m4a", ".ogg"), False,
        ),
        Kind(
            "document", gettext_lazy("documentos"), 100 * MB,
            (
                "application/pdf", "text/plain", "application/msword",
                "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ),
            (".pdf", ".txt", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx"), True,
        ),
        Kind("sticker", gettext_lazy("stickers"), 500 * KB, ("image/webp",), (".webp",), False),
    )
}  # fmt: skip
STATIC_STICKER_MAX = 100 * KB  # an animated sticker may weigh up to the kind's 500 KB
LARGEST = max(kind.max_bytes for kind in KINDS.values())

OLE_EXTENSIONS = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
OOXML_FOLDERS = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
THREE_GP_BRANDS = (b"3gp", b"3g2")
M4A_BRANDS = (b"M4A ", b"M4B ")


@dataclass(frozen=True)
class Attachment:
    """A checked file: what kind it is, its sniffed mime type, and the name the customer sees."""

    kind: str
    mime_type: str
    filename: str
    size: int
    file: File
    animated: bool = False
    stored_as: str = ""  # a file already stored (a quick reply's): used as it is, not copied

    def stored_name(self) -> str:
        """A name of our own on disk (the customer's name is kept in `filename`)."""
        extension = self.filename.rsplit(".", 1)[-1].lower() if "." in self.filename else "bin"
        return f"{uuid.uuid4().hex}.{extension[:8]}"


def size_text(size: int) -> str:
    if size >= MB:
        return _("%(n)s MB") % {"n": f"{size / MB:.1f}".removesuffix(".0")}
    return _("%(n)s KB") % {"n": max(1, round(size / KB))}


def too_large_text(kind: Kind, limit: int) -> str:
    return _("WhatsApp acepta %(kind)s de hasta %(limit)s.") % {
        "kind": kind.label,
        "limit": size_text(limit),
    }


def limits_for_browser() -> dict:
    """The table the composer checks before uploading, with its texts in the active language."""
    return {
        name: {
            "max": kind.max_bytes,  # a sticker's animation is told apart on the server
            "mimes": list(kind.mimes),
            "extensions": list(kind.extensions),
            "captioned": kind.captioned,
            "too_large": too_large_text(kind, kind.max_bytes),
        }
        for name, kind in KINDS.items()
    } | {"unsupported": unsupported_text()}


def accept_text() -> str:
    """A file picker's `accept`: every extension and mime type WhatsApp takes."""
    kinds = KINDS.values()
    return ",".join([e for k in kinds for e in k.extensions] + [m for k in kinds for m in k.mimes])


def unsupported_text() -> str:
    return _(
        "WhatsApp no acepta ese tipo de archivo: imágenes JPEG o PNG, videos MP4 o 3GP, audios "
        "AAC, AMR, MP3, M4A u OGG, documentos PDF, TXT, Word, Excel o PowerPoint, stickers WebP."
    )


# --- sniffing ----------------------------------------------------------------------------------


def _extension(filename: str) -> str:
    return "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _mp4_family(head: bytes, filename: str) -> str:
    brand = head[8:12]
    if brand.startswith(THREE_GP_BRANDS):
        return "video/3gpp"
    if brand in M4A_BRANDS or _extension(filename) == ".m4a":
        return "audio/mp4"
    return "video/mp4"


def _office_zip(file: File) -> str:
    file.seek(0)
    try:
        names = zipfile.ZipFile(file).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return ""
    for folder, mime in OOXML_FOLDERS.items():
        if any(name.startswith(folder) for name in names):
            return mime
    return ""


def _plain_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:  # a character cut at the end of the sniffed bytes
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


def _sniff_audio(head: bytes) -> str:
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"OggS") and b"OpusHead" in head[:512]:  # WhatsApp plays Opus only
        return "audio/ogg"
    if head.startswith(b"ID3") or (
        len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2  # MPEG layer III frame
    ):
        return "audio/mpeg"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:  # AAC ADTS frame
        return "audio/aac"
    return ""


def sniff(file: File, filename: str) -> str:
    """The mime type the file's first bytes show ("" when none WhatsApp accepts)."""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return _mp4_family(head, filename)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(file)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # an OLE file: Word, Excel, ...
        return OLE_EXTENSIONS.get(_extension(filename), "")
    audio = _sniff_audio(head)
    if audio:
        return audio
    if _extension(filename) == ".txt" and _plain_text(head):
        return "text/plain"
    return ""


def _animated_webp(file: File) -> bool:
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    return head[12:16] == b"VP8X" and bool(head[20] & 0x02) if len(head) > 20 else False


# --- the check ---------------------------------------------------------------------------------


def clean_filename(name: str, mime: str) -> str:
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if not has_control_characters(ch))
    if not name:
        kind = next(k for k in KINDS.values() if mime in k.mimes)
        name = f"{kind.name}{kind.extensions[0]}"
    if len(name) > FILENAME_MAX:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: FILENAME_MAX - len(extension) - 1] + dot + extension) if dot else name
    return name[:FILENAME_MAX]


def check_caption(kind: Kind, caption: str) -> str:
    caption = (caption or "").strip()
    if caption and not kind.captioned:
        raise InvalidInput.field(
            "caption", _("WhatsApp no muestra texto junto a %(kind)s.") % {"kind": kind.label}
        )
    if len(caption) > CAPTION_MAX:
        raise InvalidInput.field(
            "caption",
            _("WhatsApp acepta hasta %(limit_value)d caracteres junto a un archivo.")
            % {"limit_value": CAPTION_MAX},
        )
    return caption


def checked(file: File | None, caption: str = "") -> tuple[Attachment, str]:
    """The attachment and its caption, or the error naming the field and the limit
    (413 when the file is too large, 422 otherwise). Reads no more than it needs."""
    if file is None or not file.size:
        raise InvalidInput.field("file", _("Elegí un archivo que no esté vacío."))
    if file.size > LARGEST:
        raise TooLarge.field("file", too_large_text(KINDS["document"], LARGEST))
    name = str(getattr(file, "name", "") or "")
    mime = sniff(file, name)
    kind = next((k for k in KINDS.values() if mime in k.mimes), None)
    if kind is None:
        raise InvalidInput.field("file", unsupported_text())
    animated = kind.name == "sticker" and _animated_webp(file)
    limit = kind.max_bytes if kind.name != "sticker" or animated else STATIC_STICKER_MAX
    if file.size > limit:
        raise TooLarge.field("file", too_large_text(kind, limit))
    caption = check_caption(kind, caption)
    file.seek(0)
    attachment = Attachment(
        kind=kind.name,
        mime_type=mime,
        filename=clean_filename(name, mime),
        size=file.size,
        file=file,
        animated=animated,
    )
    return attachment, caption
