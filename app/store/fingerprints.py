"""The fingerprint of a recognizer's samples: which (id, label) pairs it has, as one integer.

The XOR of a 63-bit hash per sample: it does not depend on order, and it is kept up to date in
O(1) (adding or deleting a sample XORs its hash in or out; moving one to another label XORs out
the old pair and in the new). A model records the fingerprint of the samples it was trained on,
and is stale exactly when the recognizer's differs: deleting a sample and restoring it makes it
current again. 63 bits fit SQLite's INTEGER and PostgreSQL's BIGINT as they are.
"""

import hashlib
from collections.abc import Iterable


def sample_hash(sample_id: int, label: str) -> int:
    """A stable 63-bit hash of one (id, label) pair (the same in every process and version)."""
    digest = hashlib.blake2b(f"{sample_id}\n{label}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def fingerprint(pairs: Iterable[tuple[int, str]]) -> int:
    """The fingerprint of these (id, label) pairs (0 for none)."""
    out = 0
    for sample_id, label in pairs:
        out ^= sample_hash(sample_id, label)
    return out
