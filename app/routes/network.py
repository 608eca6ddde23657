"""The network's weights for the page's live view: the running training's, or the model's."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.deps import ModelsDep, RecognizerDep, StoreDep, TrainerDep, responses
from app.errors import NoModel, unprocessable
from app.network_settings import NetworkSettings
from app.recognition import ModelCache
from app.replay import without_weights
from app.snapshot import snapshot
from app.store import NotFound, Store
from app.store.records import dumps

router = APIRouter(prefix="/api/recognizers/{r}", tags=["network"])


# The running trainings' latest snapshot as JSON, by (recognizer, member): made once per new
# snapshot (at most 5 a second), however many pages poll it (each every 200-250 ms).
_live_json: dict[tuple[str, int], tuple[tuple[int, int], bytes]] = {}


def _sent_once(name: str, member: int, live: dict[str, Any], make: Callable[[], Any]) -> Response:
    """The JSON of `make()` for this snapshot of the running training, made by the first
    viewer to ask for it (a race makes it twice, the same)."""
    key, shot = (name, member), (int(live["job"]), int(live["iteration"]))
    cached = _live_json.get(key)
    if cached is None or cached[0] != shot:
        cached = _live_json[key] = (shot, dumps(make()).encode())
    return Response(cached[1], media_type="application/json")


@router.get(
    "/network",
    response_model=dict[str, Any],
    responses=responses(
        e404="unknown recognizer; with `frame`, no model with a recording",
        e409="no training runs and no model",
    ),
)
def network(
    recognizer: RecognizerDep,
    trainer: TrainerDep,
    models: ModelsDep,
    store: StoreDep,
    member: Annotated[int, Query(ge=0, le=8, description="which network of an ensemble")] = 0,
    frame: Annotated[
        int | None, Query(ge=0, description="a frame of the model's replay (member 0's)")
    ] = None,
) -> Any:
    """A compact snapshot of one network's weights (int8, base64; ~30 KB for 144-144-11).
    While a training runs it is refreshed at most 5 times a second, and only while someone
    asks: poll every 200-250 ms; `iteration` says whether it changed."""
    if frame is not None:
        return _frame(recognizer.name, store, models, frame, member)
    live = trainer.weights(recognizer.name)
    if live is None:
        for each in [key for key in _live_json if key[0] == recognizer.name]:
            _live_json.pop(each, None)  # its training ended
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
        model = found.model
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
    if live is not None:
        return _sent_once(
            recognizer.name,
            member,
            live,
            lambda: snapshot(W, b, bias, members, member, **fields),
        )
    return snapshot(W, b, bias, members, member, **fields)


@router.get(
    "/replay",
    responses=responses(e404="unknown recognizer, or no model with a recording"),
)
def replay(recognizer: RecognizerDep, store: StoreDep) -> dict[str, Any]:
    """How the model's training went, frame by frame: each frame's pass, MSE, validation
    accuracy and guesses on a fixed set of drawings (docs/using.md, "Replay"); the weights of
    frame N are `GET .../network?frame=N`."""
    return {"frames": without_weights(_recording(recognizer.name, store))}


def _recording(name: str, store: Store) -> list[dict[str, Any]]:
    frames = store.get_replay(name)
    if frames is None:
        raise NotFound(f"'{name}' has no model with a recording: train it")
    return frames


def _frame(name: str, store: Store, models: ModelCache, frame: int, member: int) -> dict[str, Any]:
    """A replay frame's weights, in the live snapshot's format."""
    frames = _recording(name, store)
    if frame >= len(frames):
        raise unprocessable("frame", f"the replay has {len(frames)} frames: 0 to {len(frames) - 1}")
    if member != 0:
        raise unprocessable("member", "a replay records member 0 only")
    found = models.get(name)
    if found is None:
        raise NotFound(f"'{name}' has no model with a recording: train it")
    model, shot = found.model, frames[frame]
    layers = shot["layers"]
    return {
        "source": "replay",
        "frame": frame,
        "iteration": shot["iteration"],
        "activations": list(model.net.activations),
        "labels": model.labels,
        "background": model.background,
        "members": model.members,
        "member": 0,
        "sizes": [layers[0]["shape"][0], *(layer["shape"][1] for layer in layers)],
        "layers": layers,
    }
