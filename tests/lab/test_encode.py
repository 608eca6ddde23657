"""The run JSON's fast paths give exactly what json.dumps would (to the documented rounding)."""

import json

import numpy as np

from app.history import Curve
from app.lab.encode import HistoryText, Raw, boundary_text, dumps, pairs_text


def test_boundary_text_is_the_values_rounded_to_3_decimals() -> None:
    values = np.random.default_rng(0).uniform(-4, 4, size=1600)
    values[:3] = [0.0, -0.0004, 4.0]
    parsed = json.loads(boundary_text(values))
    np.testing.assert_array_equal(parsed, np.round(values, 3))
    assert parsed[1] == 0.0
    # beyond the table, and numbers that are not finite (null)
    wide = np.array([12.3456, -1e6, np.inf, np.nan, 0.5])
    assert json.loads(boundary_text(wide)) == [12.346, -1000000.0, None, None, 0.5]
    assert boundary_text(np.array([])) == "[]"


def test_history_text_formats_each_point_once_and_follows_thinning() -> None:
    curve, text = Curve(), HistoryText()
    for i in range(2000):
        curve.add({"iteration": i, "mse": 1 / (i + 1)})
        if i % 97 == 0 or i == 1999:
            points = curve.points()
            assert json.loads(text(points)) == [[p["iteration"], p["mse"]] for p in points]
    assert len(text._done) <= 2 * len(curve.points()) + 64


def test_dumps_splices_raw_texts_at_any_depth() -> None:
    doc = {"a": 1, "b": Raw("[1,2]"), "c": {"d": Raw('{"e":null}'), "f": "\x00raw0\x00"}}
    assert json.loads(dumps(doc)) == {
        "a": 1,
        "b": [1, 2],
        "c": {"d": {"e": None}, "f": "\x00raw0\x00"},
    }


def test_pairs_text_is_the_points_rounded_to_3_decimals() -> None:
    A = np.random.default_rng(1).uniform(-1, 1, size=(256, 2))
    assert json.loads(pairs_text(A)) == np.round(A, 3).tolist()
    assert pairs_text(np.empty((0, 2))) == "[]"
    odd = np.array([[0.5, np.nan], [9.0, 1.0]])
    assert json.loads(pairs_text(odd)) == [[0.5, None], [9.0, 1.0]]
