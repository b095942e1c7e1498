"""The lock files pin every dependency pyproject.toml declares, at a version its range allows: adding or
narrowing a dependency without regenerating the lock (README, "Update the lock") fails here."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins(lock: Path) -> dict[str, str]:
    found = {}
    for line in lock.read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")) and "==" in line:
            name, version = line.split(" ")[0].split("==")
            found[canonicalize_name(name)] = version
    return found


def check(requirements: list[str], lock: Path) -> list[str]:
    pinned = pins(lock)
    problems = []
    for text in requirements:
        requirement = Requirement(text)
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in {lock.name}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} in {lock.name} is outside {requirement.specifier}")
    return problems


def test_locks_pin_every_declared_dependency_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = project["dependencies"]
    test = project["optional-dependencies"]["test"]
    assert check(base, ROOT / "requirements" / "base.txt") == []
    assert check(base + test, ROOT / "requirements" / "test.txt") == []


def test_check_reports_a_missing_or_out_of_range_pin(tmp_path: Path):
    lock = tmp_path / "x.txt"
    lock.write_text("django==5.2.19 \\\n    --hash=sha256:00\n    # via cmtp-learn (pyproject.toml)\n")
    assert check(["Django>=5.2,<5.3"], lock) == []
    assert check(["Django>=6"], lock) == ["Django==5.2.19 in x.txt is outside >=6"]
    assert check(["wagtail>=8"], lock) == ["wagtail is not in x.txt"]
