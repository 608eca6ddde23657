"""`hwr` console script: serve the app, run a scale-out worker, check a data folder, check
drawings with a model file (no server)."""

import argparse
import json
import os
import sys
from pathlib import Path

import uvicorn

from app.config import Settings
from app.security import is_loopback
from app.store import StoreError, open_store

GRACEFUL_SHUTDOWN_S = 3  # then open requests (event streams) are cancelled and the app stops


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hwr", description="Handwriting recognizer server.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the web app")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; 0.0.0.0 exposes it to the network)",
    )
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-token",
        action="store_true",
        help="serve a non-loopback address without HWR_API_TOKEN (anyone who reaches it may"
        " read and erase everything)",
    )
    serve.add_argument("--data-dir", type=Path, help="where samples and models live (HWR_DATA_DIR)")
    serve.add_argument("--log-level", default="info")
    check = sub.add_parser("check-data", help="check that a data folder opens and is intact")
    check.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("HWR_DATA_DIR", "data"))
    )
    worker = sub.add_parser(
        "worker", help="run trainings from the queue on Redis (scale-out mode, HWR_BROKER_URL)"
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        help="trainings this worker runs at once (HWR_WORKER_CONCURRENCY, default 1)",
    )
    drawings = sub.add_parser(
        "check",
        help="check drawings with a model file, no server: one line of JSON each, the fields of"
        " the server's Check",
    )
    drawings.add_argument(
        "--model", type=Path, required=True, help="a model file (the page's Export, GET .../model)"
    )
    drawings.add_argument(
        "drawings",
        nargs="+",
        type=Path,
        help='JSON files, each {"strokes": [[[x, y], ...], ...]} or just the strokes; - for stdin',
    )
    args = parser.parse_args(argv)

    if args.command == "check":
        return check_drawings(args.model, args.drawings)
    if args.command == "worker":
        from app.jobs.worker_command import run_worker

        return run_worker(args.concurrency)

    if args.command == "check-data":
        return check_data(args.data_dir)
    if args.data_dir is not None:
        os.environ["HWR_DATA_DIR"] = str(args.data_dir)
    os.environ["HWR_HOST"] = args.host  # the app answers to the name it is served on
    settings = Settings()
    problem = _exposed(settings, args.no_token) or _unusable(settings)
    if problem:
        print(f"hwr: {problem}", file=sys.stderr)
        return 2
    # An open events stream (every page has one) never ends by itself: without a time limit,
    # Ctrl+C would wait for it forever, and the shutdown that saves a training never ran.
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    return 0


def _exposed(settings: Settings, no_token: bool) -> str | None:
    """Why serving this address without a token is refused, or None (warned with --no-token)."""
    if is_loopback(settings.host) or settings.api_token is not None:
        return None
    if no_token:
        print(
            f"hwr: WARNING: serving {settings.host} without an API token (--no-token): anyone"
            " who can reach this port can read, change and erase every recognizer.",
            file=sys.stderr,
        )
        return None
    return (
        f"refusing to serve {settings.host} without an API token: other machines could read"
        " and erase every drawing. Set one, e.g. HWR_API_TOKEN=$(python -c 'import secrets;"
        " print(secrets.token_urlsafe(24))') hwr serve --host ..., or serve 127.0.0.1, or"
        " pass --no-token to run open anyway (docs/security.md)."
    )


def _unusable(settings: Settings) -> str | None:
    """Why the configured database can't be used, or None: checked before uvicorn starts."""
    try:
        store = open_store(settings)
    except StoreError as exc:
        return str(exc)
    # A file that opens may still have damaged pages: the app's startup would fail on them
    # with a stack trace, so say it here in plain words.
    problems = store.check_integrity()
    store.close()
    if problems != ["ok"]:
        return (
            f"the database {store.where} is damaged ({'; '.join(problems[:3])}). Restore it"
            " from a backup, or point HWR_DATA_DIR at another folder; `hwr check-data` lists"
            " the damage."
        )
    return None


def check_data(data_dir: Path) -> int:
    """Open the database (HWR_DATABASE_URL, or hwr.db in data_dir) and check it."""
    try:
        store = open_store(Settings(data_dir=data_dir))
    except StoreError as exc:
        print(f"hwr: {exc}", file=sys.stderr)
        return 2
    rows = store.check_integrity()
    store.close()
    print("\n".join(rows))
    return 0 if rows == ["ok"] else 1


def check_drawings(model: Path, drawings: list[Path]) -> int:
    """Print Check's answer for each drawing, one JSON line each; 2 for a file it cannot use."""
    from app.nn.network import ModelFormatError
    from app.recognizer import Recognizer

    try:
        recognizer = Recognizer.load(model)
    except (OSError, ModelFormatError) as exc:
        print(f"hwr: {model}: {exc}", file=sys.stderr)
        return 2
    for path in drawings:
        try:
            text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
            drawing = json.loads(text)
            strokes = drawing.get("strokes", []) if isinstance(drawing, dict) else drawing
            answer = recognizer.check(strokes)
        except (OSError, ValueError) as exc:  # JSONDecodeError and bad ink are ValueErrors
            print(f"hwr: {path}: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(answer.as_dict(), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
