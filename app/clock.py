"""The one clock of stored and shown times: samples, models, training statuses."""

from datetime import UTC, datetime


def now() -> str:
    """ISO 8601 UTC with milliseconds and a Z: "2024-05-01T12:00:00.000Z"."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
