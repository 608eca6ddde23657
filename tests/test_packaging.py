"""Packaging: the lock files match pyproject.toml, and a wheel carries the front end.

The lock files (requirements/*.txt, `make lock`) are what `make run`, `make test` and the
Docker image install; the wheel is what the image installs, not editable, so the page must
come from inside the installed package rather than from the repository root."""

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.helpers import ROOT, free_port, wait_for

REQUIREMENTS = ROOT / "requirements"
FRONT_END = ("static", "templates")


def lock_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock", REQUIREMENTS / "lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(name: str) -> dict[str, set[str]]:
    """requirements/NAME.txt as {package: {versions}} (a universal lock may pin two versions
    of one package, each under its own Python-version marker); every pin carries hashes."""
    text = (REQUIREMENTS / f"{name}.txt").read_text(encoding="utf-8")
    found: dict[str, set[str]] = {}
    for block in re.split(r"\n(?=\S)", text):
        if block.startswith("#") or not block.strip():
            continue
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", block)
        assert match, f"{name}.txt: not an exact pin: {block.splitlines()[0]}"
        assert "--hash=sha256:" in block, f"{name}.txt: {match[1]} has no hash"
        found.setdefault(canonical(match[1]), set()).add(match[2])
    return found


def project_names(requirements: list[str]) -> set[str]:
    names = (re.match(r"[A-Za-z0-9._-]+", r) for r in requirements)
    return {canonical(m[0]) for m in names if m}


@pytest.mark.parametrize("name", ["run", "dev"])
def test_lock_files_were_compiled_from_the_current_dependency_lists(name: str) -> None:
    lock = lock_script()
    assert lock.recorded_digest(name) == lock.digest(lock.LOCKS[name]), (
        f"requirements/{name}.txt was compiled from other dependency lists than "
        "pyproject.toml's: run `make lock` and commit requirements/"
    )


def test_run_lock_has_the_servers_dependencies_at_the_versions_the_tests_use() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    run, dev = pins("run"), pins("dev")
    assert project_names(project["dependencies"]) <= set(run)
    assert project_names(project["optional-dependencies"]["dev"]) <= set(dev)
    dev_only = project_names(project["optional-dependencies"]["dev"]) - set(run)
    assert {"pytest", "playwright", "mypy", "schemathesis"} <= dev_only
    assert "torch" not in dev  # the bench extra stays out of the lock
    for package, versions in run.items():
        assert dev.get(package) == versions, package


def test_dockerfile_installs_the_locked_versions_and_a_normal_install() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert any(re.search(r"--require-hashes -r \S*requirements/run\.txt", i) for i in installs)
    assert any("--no-deps" in line and ".whl" in line for line in installs)
    assert not any(" -e " in line or "--editable" in line for line in installs)
    for kept in ("USER hwr", "HEALTHCHECK", 'VOLUME ["/data"]', "CMD "):
        assert kept in dockerfile


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built as the Docker image builds it, from a clean copy of the sources."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("app", *FRONT_END):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(src)],
        check=True,
        timeout=240,
    )
    (built,) = out.glob("hwr-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_carries_every_front_end_file(wheel: Path) -> None:
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        inside = {n for n in archive.namelist() if not n.endswith("/")}
    for folder in FRONT_END:
        expected = {
            f"app/{p.relative_to(ROOT).as_posix()}"
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert expected, folder
        assert expected <= inside, sorted(expected - inside)
    assert "app/static/hwr-recognizer.js" in inside  # served at /hwr-recognizer.js
    assert not any(n.startswith(("static/", "templates/", "tests/")) for n in inside)


@pytest.mark.slow
def test_installed_wheel_serves_the_page_away_from_the_repository(
    wheel: Path, tmp_path: Path
) -> None:
    """`hwr serve` from the installed wheel, run in a folder that is not the repository."""
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        check=True,
        timeout=120,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "HWR_DATA_DIR": str(tmp_path / "d")}
    where = subprocess.run(
        [sys.executable, "-c", "import app.main, app.routes.pages as p; "
         "print(app.main.__file__); print(p.frontend_dir('static')); "
         "print(p.frontend_dir('templates'))"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    assert where == [
        str(site / "app" / "main.py"),
        str(site / "app" / "static"),
        str(site / "app" / "templates"),
    ]

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [str(site / "bin" / "hwr"), "serve", "--port", str(port), "--log-level", "warning"],
        cwd=elsewhere,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def healthy() -> bool:
        assert server.poll() is None, (tmp_path / "server.log").read_text()
        try:
            return httpx.get(url + "/api/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, timeout=60, interval=0.2)
        page = httpx.get(url + "/")
        assert page.status_code == 200
        assert '<canvas id="pad"' in page.text and 'src="static/js/app.js' in page.text
        script = httpx.get(url + "/static/js/app.js")
        assert script.status_code == 200
        assert script.content == (ROOT / "static/js/app.js").read_bytes()
        style = httpx.get(url + "/static/css/app.css")
        assert style.status_code == 200 and "text/css" in style.headers["content-type"]
        lab = httpx.get(url + "/lab")
        assert lab.status_code == 200 and "<title>hwr lab" in lab.text
        assert httpx.get(url + "/static/js/lab/main.js").status_code == 200
        module = httpx.get(url + "/hwr-recognizer.js")
        assert module.status_code == 200 and "javascript" in module.headers["content-type"]
        assert module.content == (ROOT / "static/hwr-recognizer.js").read_bytes()
        docs = httpx.get(url + "/docs")  # the API's documentation, Swagger UI from a dependency
        assert docs.status_code == 200 and 'src="static/js/api-docs.js' in docs.text
        assert httpx.get(url + "/static/js/api-docs.js").status_code == 200
        assert httpx.get(url + "/docs/assets/swagger-ui-bundle.js").status_code == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
