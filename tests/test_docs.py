"""The documents keep up with the code: the README's configuration table is `Settings`, the
settings page lists every network setting, every link between the documents leads somewhere,
and the README stays a front door."""

import re
from pathlib import Path

import pytest

from app.config import Settings
from app.network_settings import NetworkSettings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def table(text: str, section: str) -> dict[str, str]:
    """The first column (without backticks) -> the second, of the table under `## section`."""
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in body.splitlines()]
    return {
        cells[0].strip().strip("`"): cells[1].strip().strip("`")
        for cells in rows
        if len(cells) > 2 and cells[0].strip().startswith("`")
    }


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_the_configuration_table_is_every_setting_with_its_default() -> None:
    rows = table(README.read_text(encoding="utf-8"), "Configuration")
    assert sorted(rows) == sorted(f"HWR_{name.upper()}" for name in Settings.model_fields)
    for name, field in Settings.model_fields.items():
        written, default = rows[f"HWR_{name.upper()}"], field.default
        if isinstance(default, int | float) and not isinstance(default, bool):
            assert float(written) == default, name
        elif isinstance(default, str | Path):
            assert written == str(default), name


def test_the_settings_page_lists_every_network_setting() -> None:
    rows = table((ROOT / "docs" / "settings.md").read_text(encoding="utf-8"), "The settings")
    assert set(NetworkSettings.model_fields) == set(rows)


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_leads_somewhere(path: Path) -> None:
    text = re.sub(r"`[^`\n]*`", "", FENCE.sub("", path.read_text(encoding="utf-8")))
    targets = [t for t in LINK.findall(text) if not t.startswith(("http://", "https://"))]
    for target in targets:
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        assert linked.exists(), f"{path.name}: {target}"
        if anchor:
            assert anchor in anchors(linked), f"{path.name}: {target}"


def test_the_readme_is_a_front_door() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert "make run" in text and "make test" in text
    assert "docs/screenshot.png" in text
