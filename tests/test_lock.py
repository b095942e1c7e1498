"""The lock files pin every dependency pyproject.toml declares, at a version its range allows: adding or
narrowing a dependency without regenerating the lock (README, "Update the lock") fails here."""

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
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


# The oldest Python the README's "Python 3.11+" must cover in practice: Debian 12's python3.
OLDEST_PYTHON = "3.11.2"


def oldest_python_problems(lock: Path) -> list[str]:
    """What would stop `pip install -r <lock>` on OLDEST_PYTHON: a pinned release that requires a newer
    Python, or a dependency that only older Pythons need (a marker such as python_full_version < "3.11.3"),
    which pip-compile, run on a newer 3.11, leaves out of the lock. Read from the installed packages."""
    environment = {**default_environment(), "python_full_version": OLDEST_PYTHON, "python_version": "3.11"}
    pinned = pins(lock)
    problems = []
    for distribution in metadata.distributions():
        name = canonicalize_name(distribution.metadata["Name"])
        if pinned.get(name) != distribution.version:
            continue  # not from this lock (the project itself, pip)
        requires_python = distribution.metadata.get("Requires-Python")
        if requires_python and not SpecifierSet(requires_python).contains(OLDEST_PYTHON):
            problems.append(f"{name}=={distribution.version} requires Python {requires_python}")
        for text in distribution.requires or []:
            requirement = Requirement(text)
            marker = str(requirement.marker or "")
            if "python" not in marker or "extra" in marker:
                continue
            if requirement.marker.evaluate(environment) and canonicalize_name(requirement.name) not in pinned:
                problems.append(f"{name} needs {requirement} on Python {OLDEST_PYTHON}, not in {lock.name}")
    return problems


def test_the_test_lock_installs_on_debian_12s_python():
    """Found when `./run.sh` met Debian 12's Python 3.11.2: soupsieve 4 requires 3.11.5, and redis needs
    async-timeout below 3.11.3 (both now declared in pyproject.toml). The environment the suite runs in was
    installed from requirements/test.txt, which holds everything requirements/base.txt does."""
    assert oldest_python_problems(ROOT / "requirements" / "test.txt") == []
