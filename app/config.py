"""Settings: one pydantic-settings class, read from the environment with the prefix HWR_."""

import json
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A list from the environment: "a.example, b.example" (or a JSON list).
NameList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Everything an operator may change; each field is `HWR_<NAME>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="HWR_", frozen=True)

    data_dir: Path = Path("data")
    # Where samples and models live: unset, the SQLite file hwr.db in data_dir; or
    # postgresql://user:password@host:port/database (or sqlite:///path/to/hwr.db).
    database_url: str | None = None
    # Stored data, so that no client can fill the disk: samples per recognizer, recognizers.
    max_samples: int = Field(5000, ge=1)
    max_recognizers: int = Field(200, ge=1)
    # Limits on one drawing (API.md): strokes, points in all, and |coordinate|.
    max_strokes: int = Field(64, ge=1)
    max_points: int = Field(4096, ge=1)
    max_coordinate: float = Field(1e6, gt=0)
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # Dataset and model documents (imports) may be larger; parsing JSON costs ~40x its size.
    max_import_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    # Training defaults when a request names none.
    max_iterations: int = Field(2000, ge=1)
    # None: each recognizer's settings decide (NetworkSettings.default_target_mse).
    target_mse: float | None = Field(None, ge=0)
    # Trainings that run at once (HWR_MAX_TRAININGS; default: the CPU cores); more wait queued.
    max_trainings: int | None = Field(None, ge=1, le=256)
    # Scale-out mode: redis://host:port/db sends trainings to `hwr worker` processes through
    # an RQ queue (unset: local training processes). Trainings each worker runs at once:
    worker_concurrency: int = Field(1, ge=1, le=64)
    broker_url: str | None = None
    # The lab (/lab): training runs kept in memory at once (429 past it), and the seconds a run
    # may go unused (no request, no listener) before it is dropped.
    lab_max_runs: int = Field(8, ge=1, le=1000)
    lab_idle_seconds: float = Field(600, gt=0)
    # Security (docs/security.md). The address `hwr serve --host` binds (it sets HWR_HOST):
    # one of the host names the server answers to, beside localhost, 127.0.0.1 and [::1].
    host: str = "127.0.0.1"
    # More host names (behind a proxy: the public one), or "*" for any (no rebinding check).
    allowed_hosts: NameList = []
    # Other sites' origins that may send writes and read answers (CORS); none by default.
    allowed_origins: NameList = []
    # When set, every /api request but GET /api/health needs it (bearer or session cookie).
    api_token: SecretStr | None = None

    @field_validator("allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            return (
                json.loads(text)
                if text.startswith("[")
                else [part.strip() for part in text.split(",") if part.strip()]
            )
        return value

    def training_slots(self) -> int:
        """How many trainings may run at once: max_trainings, or one per CPU core."""
        return self.max_trainings or os.cpu_count() or 1
