"""Stable seeds: the same parts give the same number in every process.

Python's own `hash()` of a string changes from one process to the next, which would make
the replica serve different data to the demo and to the tests; blake2b does not.
"""

from __future__ import annotations

import hashlib
from random import Random


def stable_seed(*parts: object) -> int:
    text = "|".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def seeded_random(*parts: object) -> Random:
    return Random(stable_seed(*parts))
