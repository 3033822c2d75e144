"""The messages and types of Duplex connector, as pydantic models."""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

from pydantic import Field

from . import _runtime as _rt


class Ack(_rt.WireModel):
    type_: Literal["ack"] = Field(default="ack", validation_alias="type", serialization_alias="type")
    id: str = Field(description="The message's id, as sent or as assigned.")
    message_number: int = Field(description="The message's number in the session, from 1.")


class Auth(_rt.WireModel):
    """Authentication, the first message when the secret did not come with the upgrade
    request, and/or the session to resume. With `require_auth = false` the secret may
    be left out.
    """
    secret: str | None = Field(default=None, description="The connector's secret.")
    session_id: str | None = Field(default=None, description="A session to resume.")


class Cancel(_rt.WireModel):
    type_: Literal["cancel"] = Field(default="cancel", validation_alias="type", serialization_alias="type")
    id: str = Field(description="The message whose replies to stop.")


class Connected(_rt.WireModel):
    type_: Literal["connected"] = Field(default="connected", validation_alias="type", serialization_alias="type")
    session_id: str = Field(description="The session, for conversation memory and for resuming.")
    agents: list[str] = Field(description="The names of the connector's agents.")
    resumed: bool | None = Field(default=None, description="True when the client asked to resume this session and got it back.")
    interrupted: list[InterruptedReply] | None = Field(default=None, description="On resume, the replies of this session that were cut off and never reported: the\nreply a server stopped mid-reply (a node killed or restarted) and the replies of\nacknowledged messages still queued behind it, which never started. Each is listed\nonce, on whichever node the client resumes, and stays `interrupted` in the history\nfor good. A reply cut off by a killed node keeps no text (chunks are not stored as\nthey stream); one interrupted by a graceful shutdown keeps its partial text.")


class Error(_rt.WireModel):
    type_: Literal["error"] = Field(default="error", validation_alias="type", serialization_alias="type")
    id: str | None = Field(default=None, description="The message the error is about, when there is one.")
    agent: str | None = Field(default=None, description="The agent the error is about, for `agent_error` and `agent_timeout`.")
    code: ErrorCode
    message: str = Field(description="What went wrong, for people.")
    retryable: bool = Field(description="Whether sending the same thing again later may succeed.")


class History(_rt.WireModel):
    type_: Literal["history"] = Field(default="history", validation_alias="type", serialization_alias="type")
    session_id: str
    entries: list[HistoryEntry]


class HistoryEntry(_rt.WireModel):
    """A user message, or an agent's reply to one."""
    role: HistoryEntryRole
    message_id: str
    message_number: int
    text: str = Field(description="The user's message, or the reply's text (partial unless completed).")
    agent: str | None = Field(default=None, description="For replies, the agent that replied.")
    context: dict[str, Any] | None = Field(default=None, description="For user messages, `payload.context` as sent.")
    status: HistoryEntryStatus | None = Field(default=None, description="For replies; `interrupted` when the node serving it stopped mid-reply, or the session was resumed on another connection while it ran.")
    token_usage: TokenUsage | None = None
    error: str | None = None
    created_at_ms: int = Field(description="When the message was received or the reply started, in ms since the Unix epoch.")
    finished_at_ms: int | None = Field(default=None, description="When the reply ended.")


class HistoryRequest(_rt.WireModel):
    type_: Literal["history"] = Field(default="history", validation_alias="type", serialization_alias="type")


class InterruptedReply(_rt.WireModel):
    id: str = Field(description="The message whose reply was cut off.")
    agent: str


class Message(_rt.WireModel):
    type_: Literal["message"] = Field(default="message", validation_alias="type", serialization_alias="type")
    id: ClientId | None = None
    payload: MessagePayload


class MessagePayload(_rt.WireModel):
    message: str = Field(description="The user's text.")
    context: dict[str, Any] | None = Field(default=None, description="Free-form data passed to the agents with the message.")
    agent: str | None = Field(default=None, description="One of the connector's agents; without it every agent answers.")


class Ping(_rt.WireModel):
    type_: Literal["ping"] = Field(default="ping", validation_alias="type", serialization_alias="type")
    id: ClientId | None = None


class Pong(_rt.WireModel):
    type_: Literal["pong"] = Field(default="pong", validation_alias="type", serialization_alias="type")
    id: str | None = Field(default=None, description="The ping's `id`, when it had one.")


class ReplyError(_rt.WireModel):
    """Why a reply failed, inside its `stream_end` or `response`."""
    code: ErrorCode
    message: str


class Response(_rt.WireModel):
    type_: Literal["response"] = Field(default="response", validation_alias="type", serialization_alias="type")
    id: str
    agent: str
    response: str = Field(description="The whole reply; the text so far when cancelled or failed.")
    token_usage: TokenUsage
    status: ReplyStatus
    error: ReplyError | None = None


class ShortMessage(_rt.WireModel):
    """The seed's short form; it may carry the full form's fields at top level."""
    id: ClientId | None = None
    message: str = Field(description="The user's text.")
    context: dict[str, Any] | None = Field(default=None, description="Free-form data passed to the agents with the message.")
    agent: str | None = Field(default=None, description="One of the connector's agents; without it every agent answers.")


class StreamChunk(_rt.WireModel):
    type_: Literal["stream_chunk"] = Field(default="stream_chunk", validation_alias="type", serialization_alias="type")
    id: str
    agent: str
    chunk: str = Field(description="The next piece of text.")


class StreamEnd(_rt.WireModel):
    type_: Literal["stream_end"] = Field(default="stream_end", validation_alias="type", serialization_alias="type")
    id: str
    agent: str
    full_response: str = Field(description="The whole reply; the text so far when cancelled or failed.")
    token_usage: TokenUsage
    status: ReplyStatus
    error: ReplyError | None = None


class StreamStart(_rt.WireModel):
    type_: Literal["stream_start"] = Field(default="stream_start", validation_alias="type", serialization_alias="type")
    id: str
    agent: str


class TokenUsage(_rt.WireModel):
    """Tokens used by one reply, in Connic's names (`candidates_tokens` is the completion)."""
    prompt_tokens: int
    candidates_tokens: int
    total_tokens: int
    estimated: bool | None = Field(default=None, description="Present and true when the agent's backend reported no usage and the counts were estimated.")


#: Chosen by the client to correlate events; assigned by the server when missing.
ClientId: TypeAlias = str


#: See the table in docs/protocol.md for what each means and whether the session stays open.
ErrorCode: TypeAlias = Literal["unauthorized", "auth_timeout", "invalid_json", "invalid_message", "message_too_large", "session_limit_reached", "session_expired", "unknown_agent", "agent_error", "agent_timeout", "busy", "rate_limited", "internal"]


HistoryEntryRole: TypeAlias = Literal["user", "agent"]


#: For replies; `interrupted` when the node serving it stopped mid-reply, or the session was resumed on another connection while it ran.
HistoryEntryStatus: TypeAlias = Literal["streaming", "completed", "cancelled", "failed", "interrupted"]


#: How a reply ended: `completed`; `cancelled` by the client; `failed` (see `error`);
#: `interrupted` when the server shut down before the reply finished, or the session was
#: resumed on another connection while it ran.
ReplyStatus: TypeAlias = Literal["completed", "cancelled", "failed", "interrupted"]


# Every name exists now: resolve the references between models.
Ack.model_rebuild()
Auth.model_rebuild()
Cancel.model_rebuild()
Connected.model_rebuild()
Error.model_rebuild()
History.model_rebuild()
HistoryEntry.model_rebuild()
HistoryRequest.model_rebuild()
InterruptedReply.model_rebuild()
Message.model_rebuild()
MessagePayload.model_rebuild()
Ping.model_rebuild()
Pong.model_rebuild()
ReplyError.model_rebuild()
Response.model_rebuild()
ShortMessage.model_rebuild()
StreamChunk.model_rebuild()
StreamEnd.model_rebuild()
StreamStart.model_rebuild()
TokenUsage.model_rebuild()
