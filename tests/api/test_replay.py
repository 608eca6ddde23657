"""GET .../replay and GET .../network?frame=N: a trained model's recording, and its edges."""

from fastapi.testclient import TestClient

from app.snapshot import decode
from tests.api.conftest import add_drawings, train_until_done

R = "/api/recognizers/default"


def test_no_model_no_recording_and_bad_frames_are_refused(client: TestClient) -> None:
    assert client.get(f"{R}/replay").status_code == 404
    assert client.get(f"{R}/network?frame=0").status_code == 404
    assert client.get("/api/recognizers/nope/replay").status_code == 404
    add_drawings(client, ["L", "O", "X"], 6)
    train_until_done(client, {"max_iterations": 12, "target_mse": 0})
    frames = client.get(f"{R}/replay").json()["frames"]
    assert [f["iteration"] for f in frames] == [0, 1, 2, 3, 4, 5, 6, 8, 10, 12]
    assert all("layers" not in f for f in frames)  # weights come one frame at a time
    assert client.get(f"{R}/network?frame={len(frames)}").status_code == 422
    assert client.get(f"{R}/network?frame=-1").status_code == 422
    assert client.get(f"{R}/network?frame=0&member=1").status_code == 422
    # Frame N's weights are member 0's at that pass; the last frame's are the model's.
    last = client.get(f"{R}/network?frame={len(frames) - 1}").json()
    model = client.get(f"{R}/network").json()
    assert last["iteration"] == model["iteration"] == 12 and last["frame"] == len(frames) - 1
    for a, b in zip(last["layers"], model["layers"], strict=True):
        assert abs(decode(a) - decode(b)).max() <= a["scale"] / 127


def test_a_continued_run_replays_itself_and_an_import_has_no_recording(
    client: TestClient,
) -> None:
    add_drawings(client, ["L", "O", "X"], 6)
    train_until_done(client, {"max_iterations": 10, "target_mse": 0})
    add_drawings(client, ["L"], 1, seed=7)
    second = train_until_done(client, {"max_iterations": 5, "target_mse": 0})
    assert second["resumed"] is True
    frames = client.get(f"{R}/replay").json()["frames"]
    assert [f["iteration"] for f in frames] == [10, 11, 12, 13, 14, 15]  # the model's count
    document = client.get(f"{R}/model").json()
    assert "replay" not in document  # Check's document stays small
    client.post("/api/recognizers", json={"name": "copy"})
    assert client.put("/api/recognizers/copy/model", json=document).status_code == 200
    assert client.get("/api/recognizers/copy/replay").status_code == 404
    # Renamed, the recording goes along.
    assert client.patch(R, json={"name": "renamed"}).status_code == 200
    assert client.get("/api/recognizers/renamed/replay").json()["frames"] == frames
