"""Issue 24, part 1: the Spanish catalogue is complete and up to date (tools/i18n.py)."""

from __future__ import annotations

import re
import shutil

import polib
import pytest
from django.utils import translation

from tools import i18n

pytestmark = pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed: makemessages cannot run"
)


@pytest.fixture(scope="module")
def built() -> i18n.Built:
    """What `tools/i18n.py build` would write now: makemessages over the project, filled from the fragments."""
    return i18n.build_catalogue()


def test_every_interface_string_has_spanish_and_none_is_fuzzy(built):
    missing = [f"{', '.join(i18n._files(entry))}: {entry.msgid!r}" for entry in built.untranslated]
    assert not missing, f"{len(missing)} strings without Spanish (tools/i18n.py missing):\n" + "\n".join(missing)
    assert not built.conflicts, "one string translated two ways:\n" + "\n".join(built.conflicts)
    assert not built.fuzzy_fragments, "fuzzy or empty fragment entries:\n" + "\n".join(built.fuzzy_fragments)


def test_the_committed_catalogue_is_what_makemessages_and_the_fragments_produce(built):
    problems = [line for line in i18n.check_problems(built) if "is not what build produces" in line]
    assert not problems, "\n".join(problems)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)[sd]", text))


def test_the_catalogue_declares_spanish_plural_forms_and_keeps_every_placeholder(built):
    po = polib.pofile(built.po_text)
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert po.metadata["Language"] == "es"
    for entry in po.translated_entries():
        wanted = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural or "")
        for msgstr in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            assert _placeholders(msgstr) <= wanted, f"{entry.msgid!r}: {msgstr!r} names a placeholder it lacks"


def test_the_compiled_catalogue_serves_spanish():
    with translation.override("es"):
        assert translation.gettext("Skip to main content") == "Saltar al contenido principal"
