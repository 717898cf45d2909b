"""The drawn running order (bốc thăm). Pure and reproducible: the same seed and the same input
list always give the same order, in this or any other implementation of the documented steps.

Algorithm "hmac-sha256-fisher-yates-v1": Fisher–Yates from the last position down; the index
for position i is drawn from 0..i by HMAC-SHA256(key=seed bytes, msg="<i>:<attempt>") read as
a big-endian integer, with rejection sampling so every index is exactly equally likely.
"""

import hashlib
import hmac
import secrets
from collections.abc import Sequence

ALGORITHM = "hmac-sha256-fisher-yates-v1"


def new_seed() -> str:
    """A fresh 256-bit seed from the operating system's cryptographic generator, as hex."""
    return secrets.token_hex(32)


def _uniform_index(key: bytes, position: int, upper: int) -> int:
    """A uniformly random integer in [0, upper) derived from the key and position."""
    limit = (1 << 256) - ((1 << 256) % upper)
    attempt = 0
    while True:
        digest = hmac.new(key, f"{position}:{attempt}".encode(), hashlib.sha256).digest()
        number = int.from_bytes(digest, "big")
        if number < limit:
            return number % upper
        attempt += 1


def draw_order(items: Sequence[str], seed: str) -> list[str]:
    """The running order of `items` (given in canonical order) for this seed."""
    try:
        key = bytes.fromhex(seed)
    except ValueError as error:
        raise ValueError("the seed must be hexadecimal") from error
    if len(key) < 16:
        raise ValueError("the seed must have at least 128 bits")
    order = list(items)
    for position in range(len(order) - 1, 0, -1):
        other = _uniform_index(key, position, position + 1)
        order[position], order[other] = order[other], order[position]
    return order
