"""Import and export: the dataset (strokes and labels) and the trained model, as JSON."""

from typing import Any

from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from app.deps import (
    ModelsDep,
    RecognizerDep,
    SettingsDep,
    StoreDep,
    TrainerDep,
    responses,
    within_limits,
)
from app.documents import Dataset, DatasetCounts, ModelDocument, ensemble_of
from app.errors import NoModel, TrainingConflict
from app.export_onnx import from_loaded
from app.learn import sample_grid
from app.network_settings import NetworkSettings
from app.nn.losses import loss_of
from app.nn.network import ModelFormatError, Network
from app.open_set import unpack_grids
from app.routes import one_file_app
from app.routes.recognizers import summarise
from app.schemas import RecognizerSummary
from app.store import Recognizer, Store

router = APIRouter(prefix="/api/recognizers/{r}", tags=["import and export"])
NOT_FOUND = responses(e404="unknown recognizer")


@router.get("/dataset", response_model=Dataset, responses=NOT_FOUND)
def export_dataset(recognizer: RecognizerDep, store: StoreDep) -> dict[str, Any]:
    samples = store.list_samples(recognizer.name, with_strokes=True)
    return {
        "format": "hwr-dataset/1",
        "grid_size": recognizer.grid_size,
        "samples": [{"label": s.label, "strokes": s.strokes} for s in samples],
    }


@router.post(
    "/dataset",
    response_model=DatasetCounts,
    responses={
        **NOT_FOUND,
        **responses(e409="the import would pass HWR_MAX_SAMPLES", e413="body too large"),
    },
)
def import_dataset(
    body: Dataset,
    recognizer: RecognizerDep,
    store: StoreDep,
    settings: SettingsDep,
    models: ModelsDep,
) -> DatasetCounts:
    """Merge: every sample of the document is added (all or nothing), rasterised here, except
    exact duplicates of samples already there (importing a file twice adds nothing)."""
    items = []
    network = NetworkSettings.model_validate(recognizer.network)
    for i, sample in enumerate(body.samples):
        strokes = within_limits(sample.strokes, settings, f"samples.{i}.strokes")
        grid = sample_grid(strokes, recognizer.grid_size, network)
        items.append((sample.label, strokes, grid))
    added, skipped = store.add_samples(recognizer.name, items)
    models.samples_changed(recognizer.name)
    counts: dict[str, int] = {}
    for i in added:
        counts[items[i][0]] = counts.get(items[i][0], 0) + 1
    return DatasetCounts(added=len(added), labels=counts, skipped=skipped)


def imported_settings(
    current: NetworkSettings, body: ModelDocument, net: Network
) -> NetworkSettings:
    """The recognizer's settings made to describe the imported network, so that the next Train
    continues from it: the learning settings the file was trained with (learning rate and the
    rest, when it has valid ones, else ours), and what the network itself says: its layers
    (per ensemble member), units, loss, grid and reject class. ModelFormatError for a network
    that no settings describe (a hidden activation they do not offer, too many units)."""
    learning = body.network.settings or current
    k = ensemble_of(net.sizes, learning.networks())  # 1: not the ensemble the settings name
    hidden = net.sizes[1:-1]
    described = {
        **learning.model_dump(),
        "hidden_layers": [n // k for n in hidden],
        "ensemble": learning.ensemble if k > 1 else 1,
        "activation": net.activations[0] if hidden else current.activation,
        "bias": net.bias,
        "loss": loss_of(net.activations[-1]),
        "reject": body.background,
        "antialias": body.grid.antialias,
    }
    try:
        return NetworkSettings.model_validate(described)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ModelFormatError(f"no network settings describe this network: {problems}") from None


def model_document(recognizer: Recognizer, store: Store) -> dict[str, Any] | None:
    """The trained model's document, in the current version whatever version it was saved in;
    None without a model."""
    model = store.get_model(recognizer.name)
    if model is None:
        return None
    return ModelDocument.model_validate(model.document).model_dump(mode="json")


@router.get("/model", responses={**NOT_FOUND, **responses(e409="no trained model")})
def export_model(recognizer: RecognizerDep, store: StoreDep) -> dict[str, Any]:
    """The model document, in the current version whatever version it was saved in."""
    document = model_document(recognizer, store)
    if document is None:
        raise NoModel(f"'{recognizer.name}' has no trained model yet")
    return document


APP_HTML = {
    200: {
        "description": "one self-contained HTML file (a download): draw, Check, the bars and "
        "the 'not sure' verdict, computed in the browser by hwr-recognizer.js from the model "
        "inlined in the file; its Content-Security-Policy forbids every network request",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
    **responses(e404="unknown recognizer, or no trained model"),
}


@router.get("/app.html", response_class=HTMLResponse, responses=APP_HTML)
def export_app(recognizer: RecognizerDep, store: StoreDep) -> HTMLResponse:
    """The one-file web app (app/routes/one_file_app.py): works from file://, offline."""
    document = model_document(recognizer, store)
    if document is None:
        raise HTTPException(404, f"'{recognizer.name}' has no trained model yet: train it first")
    disposition = f'attachment; filename="{recognizer.name}.html"'
    return HTMLResponse(
        one_file_app.render(recognizer.name, document),
        headers={"Content-Disposition": disposition},
    )


ONNX = {
    200: {
        "description": "the trained model as ONNX: input `grid` float32 (N, grid_size²), "
        "output `confidences` float32 (N, labels); metadata `labels`, `grid_size`",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    **responses(
        e404="unknown recognizer, or no trained model",
        e422="a network the ONNX export cannot express (the detail says why)",
    ),
}


@router.get("/model.onnx", response_class=Response, responses=ONNX)
def export_onnx(recognizer: RecognizerDep, models: ModelsDep) -> Response:
    """The trained model as ONNX (app/export_onnx.py): Check's confidences for a grid."""
    found = models.get(recognizer.name)
    if found is None:
        raise HTTPException(404, f"'{recognizer.name}' has no trained model yet: train it first")
    content = from_loaded(found.model, recognizer.name)  # ExportError (a ValueError): 422
    disposition = f'attachment; filename="{recognizer.name}.onnx"'
    return Response(
        content, media_type="application/octet-stream", headers={"Content-Disposition": disposition}
    )


@router.put(
    "/model",
    response_model=RecognizerSummary,
    responses={**NOT_FOUND, **responses(e413="body too large", e409="a training is running")},
)
def import_model(
    body: ModelDocument,
    recognizer: RecognizerDep,
    store: StoreDep,
    trainer: TrainerDep,
    models: ModelsDep,
) -> RecognizerSummary:
    """Replace the trained model, checked against the recognizer: shapes, numbers, labels."""
    if trainer.status(recognizer.name).state in ("running", "stopping"):
        raise TrainingConflict("a training is running: stop it before importing a model")
    if len(set(body.labels)) != len(body.labels):
        raise ModelFormatError("labels must be unique")
    if body.grid_size != recognizer.grid_size:
        raise ModelFormatError(
            f"grid_size {body.grid_size} does not match the recognizer's {recognizer.grid_size}"
        )
    net = body.build()
    if net.sizes[0] != recognizer.grid_size**2:
        raise ModelFormatError(f"the first layer needs {recognizer.grid_size**2} inputs")
    outputs = len(body.labels) + (1 if body.background else 0)
    if net.sizes[-1] != outputs:
        raise ModelFormatError(
            f"{outputs} outputs expected (labels), the network has {net.sizes[-1]}"
        )
    if body.open_set and body.open_set.reference is not None:
        unpack_grids(body.open_set.reference, recognizer.grid_size**2)  # ModelFormatError
    settings = imported_settings(NetworkSettings.model_validate(recognizer.network), body, net)
    store.set_network(recognizer.name, settings.model_dump())
    document = body.model_copy(
        update={"network": body.network.model_copy(update={"settings": settings})}
    ).model_dump(mode="json")
    revision = store.get_recognizer(recognizer.name).revision
    store.save_model(recognizer.name, document, body.labels, body.iterations, body.mse, revision)
    models.forget(recognizer.name)
    trainer.model_replaced(recognizer.name)
    return summarise(store, trainer, store.get_recognizer(recognizer.name))
