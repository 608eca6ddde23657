"""Model documents: typed, versioned, and upgraded from version 1 when read (app.documents)."""

import numpy as np
import pytest
from pydantic import ValidationError

from app.documents import MODEL_VERSION, ModelDocument
from app.network_settings import NetworkSettings
from app.nn.network import Network


def version_1(settings: object = None, hidden: int = 6) -> dict[str, object]:
    """A version-1 file as hwr 1.0 wrote it: format, labels, grid size, network, layers."""
    net = Network([144, hidden, 3], rng=np.random.default_rng(0)).to_dict()
    network = net["network"] if settings is None else {**net["network"], "settings": settings}
    return {
        "format": "hwr-model/1",
        "labels": ["a", "b", "c"],
        "grid_size": 12,
        **net,
        "network": network,
    }


def test_absent_settings_of_version_1_mean_what_they_did_before_they_existed() -> None:
    """An ensemble of 3 is the default now, but a file without `ensemble` is one network."""
    document = ModelDocument.model_validate(version_1({"hidden_layers": [6], "seed": 4}))
    settings = document.network.settings
    assert settings is not None and settings.seed == 4 and settings.hidden_layers == [6]
    assert (settings.ensemble, settings.loss, settings.reject) == (1, "squared_error", False)
    assert (settings.augmentation, settings.antialias, settings.patience) == ("off", False, 0)
    assert document.members() == 1
    assert document.version == MODEL_VERSION == 3 and settings.cross_fit is False
    assert document.calibration.temperature == 1.0 and document.open_set is None


def test_settings_that_are_not_valid_ones_are_unknown() -> None:
    for settings in ({"hidden_layers": "many"}, {"dropout": 0.5}, "big", None):
        document = ModelDocument.model_validate(version_1(settings))
        assert document.network.settings is None and document.members() == 1


def test_an_ensemble_is_one_only_when_its_shape_allows() -> None:
    three = {**NetworkSettings().model_dump(), "hidden_layers": [2], "cross_fit": False}
    assert ModelDocument.model_validate(version_1(three, hidden=6)).members() == 3
    assert ModelDocument.model_validate(version_1(three, hidden=7)).members() == 1
    # Cross-fitted, the settings' 3 members and the refit: 4 networks.
    four = {**three, "cross_fit": True}
    assert ModelDocument.model_validate(version_1(four, hidden=8)).members() == 4


def test_a_version_2_network_was_trained_without_cross_fitting() -> None:
    """Version 2 came before `cross_fit`: its ensemble of 3 is 3 networks, not 3 and a refit."""
    settings = NetworkSettings(hidden_layers=[2], cross_fit=False).model_dump()
    dumped = ModelDocument.model_validate(version_1(settings, hidden=12)).model_dump(mode="json")
    del dumped["network"]["settings"]["cross_fit"]
    document = ModelDocument.model_validate({**dumped, "version": 2})
    assert document.version == 3 and document.network.settings is not None
    assert document.network.settings.cross_fit is False and document.members() == 3


def test_a_document_of_the_current_version_is_complete_and_round_trips() -> None:
    document = ModelDocument.model_validate(version_1({"ensemble": 1}))
    dumped = document.model_dump(mode="json")
    assert dumped["version"] == 3
    assert ModelDocument.model_validate(dumped) == document  # read again: nothing changes
    del dumped["calibration"]  # version 3 is written whole: nothing is filled in
    with pytest.raises(ValidationError, match="calibration"):
        ModelDocument.model_validate(dumped)
    np.testing.assert_array_equal(document.build().W[0], version_1()["layers"][0]["weights"])  # type: ignore[index]
