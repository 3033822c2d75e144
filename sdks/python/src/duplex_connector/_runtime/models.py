"""The base class of generated models, wire encoding, and the value for unrecognised messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, get_origin

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """Base of every generated model.

    Unknown fields are kept (``extra="allow"``) so that a newer server does not break
    an older client; fields are filled by their Python names or their wire names; and
    fields holding a constant (``Literal``) always count as set, so they are sent even
    though the caller never passes them.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def model_post_init(self, context: Any, /) -> None:
        for name, field in type(self).model_fields.items():
            if get_origin(field.annotation) is Literal and not field.is_required():
                self.__pydantic_fields_set__.add(name)


@dataclass(frozen=True)
class UnknownMessage:
    """A received frame that matched no message of the channel, kept rather than dropped.

    ``data`` is the parsed JSON (``None`` when the frame is not JSON), ``raw`` the frame as
    received, and ``error`` why it was not recognised.
    """

    data: Any
    raw: str | bytes
    error: str


def to_wire(message: object) -> str:
    """Encodes a model (by wire names, leaving out unset optional fields) or plain JSON data."""
    if isinstance(message, BaseModel):
        return message.model_dump_json(by_alias=True, exclude_unset=True)
    return json.dumps(_plain(message), separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
