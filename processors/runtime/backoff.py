"""Capped exponential backoff with full jitter."""

import random


def full_jitter_delay(attempt: int, *, base_s: float = 0.1, cap_s: float = 10.0) -> float:
    """Return a random delay in [0, min(cap, base * 2**attempt)] seconds.

    Full jitter spreads the retries of many workers that failed together, as
    described in the AWS Architecture Blog post "Exponential Backoff And Jitter".
    """
    ceiling = min(cap_s, base_s * (2 ** min(attempt, 30)))
    return random.uniform(0.0, ceiling)
