"""Reconnect policy: exponential backoff with jitter and a bounded number of attempts."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class ReconnectOptions:
    """How a socket reconnects after the connection drops.

    The delay before attempt ``n`` (counting from 1) is
    ``min(max_delay, initial_delay * factor ** (n - 1))``, shortened by a random
    fraction of at most ``jitter`` so that many clients do not retry in lockstep.
    """

    enabled: bool = True
    max_attempts: int = 5
    initial_delay: float = 0.5
    max_delay: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.max_attempts < 0:
            raise ValueError(
                f"ReconnectOptions.max_attempts must be 0 or more, got {self.max_attempts}"
            )
        if self.initial_delay < 0 or self.max_delay < 0:
            raise ValueError("ReconnectOptions delays must not be negative")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(
                f"ReconnectOptions.jitter must be between 0 and 1, got {self.jitter}"
            )

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (1-based)."""
        base = min(
            self.max_delay, self.initial_delay * self.factor ** max(0, attempt - 1)
        )
        draw = (rng or random).random()
        return base * (1.0 - self.jitter * draw)


def should_reconnect(options: ReconnectOptions, close_code: int | None) -> bool:
    """A close the caller did not ask for is retried unless the server said it is done (1000)."""
    return options.enabled and options.max_attempts > 0 and close_code != 1000
