from __future__ import annotations

from typing import Literal

from pydantic import Field

from _runtime import Dispatcher, Route, UnknownMessage, WireModel, to_wire


class Chunk(WireModel):
    type: Literal["chunk"] = "chunk"
    text: str
    token_count: int | None = Field(
        default=None, validation_alias="tokenCount", serialization_alias="tokenCount"
    )


class End(WireModel):
    type: Literal["end"] = "end"


class Alpha(WireModel):
    alpha: str


class Gamma(WireModel):
    gamma: str


def tagged() -> Dispatcher:
    return Dispatcher(
        by_field=[("type", {"chunk": Route("chunk", Chunk), "end": Route("end", End)})]
    )


def test_field_lookup_picks_the_model() -> None:
    event, value = tagged().dispatch(
        '{"type":"chunk","text":"hi","tokenCount":3,"later":true}'
    )
    assert event == "chunk"
    assert isinstance(value, Chunk)
    assert value.token_count == 3
    assert value.model_extra == {"later": True}


def test_unmatched_and_invalid_frames_become_unknown() -> None:
    cases: list[tuple[str | bytes, str]] = [
        ('{"type":"nope"}', "matches no message"),
        ('{"type":"chunk"}', "looks like `chunk`"),
        ("not json", "not JSON"),
        (b"\x00\x01", "binary frame"),
        ("[1,2]", "matches no message"),
    ]
    for frame, reason in cases:
        event, value = tagged().dispatch(frame)
        assert event == "unknown"
        assert isinstance(value, UnknownMessage)
        assert value.raw == frame
        assert reason in value.error


def test_marker_keys_and_only_and_fallback() -> None:
    keyed = Dispatcher(
        by_key=[("alpha", Route("a", Alpha)), ("gamma", Route("g", Gamma))]
    )
    assert keyed.dispatch('{"gamma":"x"}')[0] == "g"
    assert keyed.dispatch('{"delta":"x"}')[0] == "unknown"
    only = Dispatcher(only=Route("text", str))
    assert only.dispatch('"hello"') == ("text", "hello")
    fallback = Dispatcher(fallback=[Route("a", Alpha), Route("g", Gamma)])
    assert fallback.dispatch('{"gamma":"x"}')[0] == "g"
    assert fallback.dispatch('{"zeta":"x"}')[0] == "unknown"


def test_to_wire_uses_wire_names_sends_consts_and_skips_unset() -> None:
    assert to_wire(Chunk(text="hi")) == '{"type":"chunk","text":"hi"}'
    assert (
        to_wire(Chunk(text="hi", token_count=2))
        == '{"type":"chunk","text":"hi","tokenCount":2}'
    )
    assert (
        to_wire(Chunk.model_validate({"text": "a", "tokenCount": 1}))
        == '{"type":"chunk","text":"a","tokenCount":1}'
    )
    assert to_wire("plain") == '"plain"'
    assert to_wire({"nested": [End()]}) == '{"nested":[{"type":"end"}]}'
