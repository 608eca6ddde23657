"""The network's weights for the page's live view: the running training's, or the model's."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.deps import ModelsDep, RecognizerDep, TrainerDep, responses
from app.errors import NoModel, unprocessable
from app.schemas import NetworkSettings
from app.snapshot import snapshot

router = APIRouter(prefix="/api/recognizers/{r}", tags=["network"])


@router.get(
    "/network",
    responses=responses(e404="unknown recognizer", e409="no training runs and no model"),
)
def network(
    recognizer: RecognizerDep,
    trainer: TrainerDep,
    models: ModelsDep,
    member: Annotated[int, Query(ge=0, le=8, description="which network of an ensemble")] = 0,
) -> dict[str, Any]:
    """A compact snapshot of one network's weights (int8, base64; ~30 KB for 144-144-11).
    While a training runs it is refreshed at most 5 times a second, and only while someone
    asks: poll every 200-250 ms; `iteration` says whether it changed."""
    live = trainer.weights(recognizer.name)
    if live is not None:
        # Typed from a local training; from a worker of the queue, JSON.
        settings = NetworkSettings.model_validate(live["settings"])
        members = settings.networks()
        n_hidden = len(live["W"]) - 1
        fields = {
            "source": "training",
            "job": live["job"],
            "iteration": live["iteration"],
            "activations": [settings.activation] * n_hidden + [settings.output_activation()],
            "labels": live["labels"],
            "background": settings.reject,
        }
        W, b, bias = live["W"], live["b"], settings.bias
    else:
        found = models.get(recognizer.name)
        if found is None:
            raise NoModel(f"'{recognizer.name}' has no training running and no model")
        model = found[0]
        members = model.members
        fields = {
            "source": "model",
            "job": trainer.status(recognizer.name).job,
            "iteration": trainer.status(recognizer.name).iterations,
            "activations": list(model.net.activations),
            "labels": model.labels,
            "background": model.background,
        }
        W, b, bias = model.net.W, model.net.b, model.net.bias
    if member >= members:
        raise unprocessable(
            "member", f"the network is an ensemble of {members}: 0 to {members - 1}"
        )
    return snapshot(W, b, bias, members, member, **fields)
