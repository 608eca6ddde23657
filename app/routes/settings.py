"""The network settings as the page builds its form from them: JSON schema and presets."""

from typing import Any

from fastapi import APIRouter

from app.network_settings import NetworkSettings
from app.presets import PRESETS

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/settings")
def network_settings() -> dict[str, Any]:
    """Every network setting (type, bounds, choices, default, description) and each preset's
    full values, derived from `NetworkSettings`: nothing about a setting is written twice."""
    return {
        "network": NetworkSettings.model_json_schema(),
        "presets": {
            name: NetworkSettings.model_validate(dict(chosen)).model_dump()
            for name, chosen in PRESETS.items()
        },
    }
