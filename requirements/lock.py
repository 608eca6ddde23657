"""`make lock`: pin every dependency, with hashes, into requirements/*.txt.

`uv pip compile` resolves pyproject.toml (a universal resolution for Python 3.11 and later, so
one file serves Linux, macOS and Windows); pip installs the result. dev.txt ([project]
dependencies + the dev extra) is compiled first and run.txt ([project] dependencies) is
constrained to it, so the server runs the versions the tests ran. Each file's first line is a
digest of the dependency lists it came from; tests/test_packaging.py fails when pyproject.toml
changed them since. Existing pins are kept unless `--upgrade` (`make lock UPGRADE=1`).
The bench extra (torch) stays out: pip installs it, taking the CPU build.
"""

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON_VERSION = "3.11"
# lock file -> the extras it adds to [project] dependencies; compiled in this order.
LOCKS: dict[str, tuple[str, ...]] = {"dev": ("dev",), "run": ()}
DIGEST = "# pyproject.toml dependencies sha256: "


def digest(extras: tuple[str, ...]) -> str:
    """Of [project] dependencies and the given extras, as written in pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lists = {"dependencies": project["dependencies"]}
    lists |= {extra: project["optional-dependencies"][extra] for extra in extras}
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()


def recorded_digest(name: str) -> str | None:
    """The digest in the first line of requirements/NAME.txt, None without one."""
    path = HERE / f"{name}.txt"
    first = path.read_text(encoding="utf-8").partition("\n")[0] if path.exists() else ""
    return first.removeprefix(DIGEST) if first.startswith(DIGEST) else None


def compile_lock(name: str, extras: tuple[str, ...], upgrade: bool) -> None:
    out = HERE / f"{name}.txt"
    command = [sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml", "--quiet"]
    command += [f"--extra={extra}" for extra in extras]
    command += ["--universal", f"--python-version={PYTHON_VERSION}", "--generate-hashes"]
    command += ["--custom-compile-command=make lock", f"--output-file={out.relative_to(ROOT)}"]
    if name != "dev":
        command.append(f"--constraints={(HERE / 'dev.txt').relative_to(ROOT)}")
    if upgrade:
        command.append("--upgrade")
    subprocess.run(command, cwd=ROOT, check=True)
    out.write_text(f"{DIGEST}{digest(extras)}\n" + out.read_text(encoding="utf-8"))


def main() -> None:
    upgrade = "--upgrade" in sys.argv[1:]
    for name, extras in LOCKS.items():
        compile_lock(name, extras, upgrade)
        print(f"requirements/{name}.txt")


if __name__ == "__main__":
    main()
