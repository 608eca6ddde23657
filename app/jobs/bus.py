"""What API processes and workers say to each other through Redis (scale-out mode).

Keys hold the shared state; one pub/sub channel carries every change, so that each API
process can wake its own event-stream listeners and drop its cached models:

    hwr:status:<name>    the latest training status (JSON)
    hwr:stop:<name>      a stop asked for job <value> ("<job> shutdown": by a worker's shutdown)
    hwr:watch:<name>     someone wants live weight snapshots (expires)
    hwr:snapshot:<name>  the latest weight snapshot (pack_snapshot: a JSON line, raw float16)
    hwr:events           channel: {"type": "status" | "forget" | "samples" | "queue", "name"}
"""

import json
from typing import Any

import numpy as np
from redis import Redis

from app.schemas import TrainingStatus

QUEUE = "hwr-training"  # the RQ queue of trainings
CHANNEL = "hwr:events"
JOB_IDS = "hwr:job-ids"
HEARTBEAT_S = 2  # a worker's RQ heartbeat of its running training, this often (whole s)
ALIVE_TTL_S = 10  # no heartbeat for this long: the worker is lost
STATUS_TTL_S = 7 * 24 * 3600  # an ended training's status outlives a restart for a week
SHUTDOWN = "shutdown"  # after the job in a stop key: a worker's shutdown asked for the stop


def key(kind: str, name: str) -> str:
    return f"hwr:{kind}:{name}"


def connect(url: str) -> Redis:
    """A client that fails fast when Redis is away instead of hanging a request."""
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def publish_status(redis: Redis, name: str, status: TrainingStatus) -> None:
    """Store the status and tell every API process; an ended one expires after a week."""
    document = status.model_dump_json()
    ttl = None if status.state in ("queued", "running", "stopping") else STATUS_TTL_S
    pipe = redis.pipeline()
    pipe.set(key("status", name), document, ex=ttl)
    pipe.publish(CHANNEL, json.dumps({"type": "status", "name": name}))
    pipe.execute()


def get_bytes(redis: Redis, name: str) -> bytes | None:
    """GET as bytes (the client does not decode responses)."""
    raw = redis.get(name)
    return raw.encode() if isinstance(raw, str) else raw


def read_status(redis: Redis, name: str) -> TrainingStatus | None:
    raw = get_bytes(redis, key("status", name))
    return None if raw is None else TrainingStatus.model_validate_json(raw)


def announce(redis: Redis, kind: str, name: str = "") -> None:
    """A change without a status: "forget" (a model was written or deleted), "samples"
    (samples changed), "queue" (queued trainings moved up)."""
    redis.publish(CHANNEL, json.dumps({"type": kind, "name": name}))


def pack_snapshot(header: dict[str, Any], W: list[Any], b: list[Any]) -> bytes:
    """Weights as float16 bytes after a one-line JSON header (what describes them: iteration,
    settings, labels; and their shapes): nothing that comes out of Redis is ever unpickled."""
    arrays = [
        np.ascontiguousarray(a, dtype=np.float16) for pair in zip(W, b, strict=True) for a in pair
    ]
    header = {**header, "shapes": [list(a.shape) for a in arrays]}
    return json.dumps(header).encode() + b"\n" + b"".join(a.tobytes() for a in arrays)


def unpack_snapshot(raw: bytes) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """pack_snapshot's (header, W, b)."""
    line, _, body = raw.partition(b"\n")
    header: dict[str, Any] = json.loads(line)
    arrays, offset = [], 0
    for shape in header.pop("shapes"):
        count = int(np.prod(shape))
        arrays.append(np.frombuffer(body, np.float16, count, offset).reshape(shape))
        offset += count * 2
    return header, arrays[0::2], arrays[1::2]
