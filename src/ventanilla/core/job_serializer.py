"""Huey's payloads as JSON instead of pickle (settings.HUEY["serializer"]).

Whoever can write to the job queue (Redis in scaled mode, the jobs file in embedded mode) could
run any code on a worker that unpickles what it reads. Jobs take ids and plain values, so JSON
is enough: reading a payload never runs anything, and a payload that is not ours is refused.

Besides the plain JSON values, these are tagged as {"$": kind, "v": value}: Huey's task message
(and the messages nested in it), its error results, tuples and datetimes; a dict of the job's
own that has a "$" key is tagged too, so it never passes for one of these.
"""

import json
import math
from datetime import datetime, timedelta

from huey.registry import Message
from huey.serializer import Serializer
from huey.utils import Error

TAG = "$"
PLAIN_VALUES = "str, int, float, bool, None, lists, dicts with str keys, datetimes"


class NotPlainValue(TypeError):
    """A job was given something JSON cannot carry (a model instance, bytes, a set ...)."""


class ForeignPayload(ValueError):
    """What was read from the queue is not a payload this serializer wrote."""


class JsonSerializer(Serializer):
    def _serialize(self, data) -> bytes:
        encoded = _encode(data, where="", job=None)
        return json.dumps(encoded, ensure_ascii=False, separators=(",", ":")).encode()

    def _deserialize(self, data: bytes):
        try:
            return _decode(json.loads(data))
        except (ValueError, TypeError, KeyError) as error:
            raise ForeignPayload(f"refused: not a JSON job payload ({error})") from None


def _encode(value, *, where: str, job: str | None):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _refused(value, where, job)
        return value
    if isinstance(value, Message):
        fields = {
            name: _encode(getattr(value, name), where=name, job=value.name)
            for name in Message._fields
        }
        return {TAG: "message", "v": fields}
    if isinstance(value, Error):
        return {TAG: "error", "v": _encode(value.metadata, where=where, job=job)}
    if isinstance(value, datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, timedelta):  # a job's `expires` may be one
        return {TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, tuple | list):
        items = [_encode(item, where=f"{where}[{n}]", job=job) for n, item in enumerate(value)]
        return {TAG: "tuple", "v": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        encoded = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _refused(value, where, job)
            encoded[key] = _encode(item, where=f"{where}[{key!r}]", job=job)
        return {TAG: "dict", "v": encoded} if TAG in encoded else encoded
    raise _refused(value, where, job)


def _refused(value, where: str, job: str | None) -> NotPlainValue:
    what = f"{where or 'the value'} is a {type(value).__name__}"
    if job is not None:
        what = f"job {job}: {what}"
    return NotPlainValue(f"{what}; jobs take ids and plain values ({PLAIN_VALUES})")


def _decode(value):
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if TAG not in value:
        return {key: _decode(item) for key, item in value.items()}
    kind, inner = value[TAG], value["v"]
    if kind == "message":
        if not isinstance(inner, dict) or not set(inner) <= set(Message._fields):
            raise ValueError("a task message with unknown fields")
        return Message(**{name: _decode(item) for name, item in inner.items()})
    if kind == "error":
        return Error(_decode(inner))
    if kind == "datetime":
        return datetime.fromisoformat(inner)
    if kind == "timedelta":
        days, seconds, microseconds = inner
        return timedelta(days=days, seconds=seconds, microseconds=microseconds)
    if kind == "tuple":
        return tuple(_decode(item) for item in inner)
    if kind == "dict":
        return {key: _decode(item) for key, item in inner.items()}
    raise ValueError(f"unknown tag {kind!r}")
