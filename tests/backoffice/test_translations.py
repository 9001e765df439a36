"""Every string a user can see has Japanese, and the Japanese keeps its placeholders."""

import ast
import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["backoffice", "catalog", "channels", "imports", "workflows", "kpis"]
CATALOG = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
# Japanese for the Wagtail admin strings Wagtail 8.0's own catalogs lack.
SUPPLEMENTS = sorted((ROOT / "locale-wagtail" / "ja" / "LC_MESSAGES").glob("*.po"))
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy"}
TEMPLATE_TAG = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


def _gettext_literal(node):
    """The msgid literal of a gettext call (the second argument of pgettext), else None."""
    if not isinstance(node, ast.Call):
        return None
    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
    if name not in GETTEXT_NAMES:
        return None
    index = 1 if name.startswith("pgettext") else 0
    if len(node.args) > index and isinstance(node.args[index], ast.Constant):
        return node.args[index].value
    return None


def _source_strings():
    """(file, msgid) for every literal passed to gettext in the apps' code and templates."""
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                msgid = _gettext_literal(node)
                if msgid is not None:
                    yield path.relative_to(ROOT), msgid
        for path in (ROOT / app).rglob("*.html"):
            for match in TEMPLATE_TAG.finditer(path.read_text(encoding="utf-8")):
                yield path.relative_to(ROOT), match.group(2)


@pytest.fixture(scope="module")
def catalog():
    return polib.pofile(str(CATALOG))


ALL_CATALOGS = pytest.mark.parametrize(
    "path", [CATALOG, *SUPPLEMENTS], ids=lambda path: f"{path.parts[-4]}/{path.name}"
)


def test_there_are_supplements_for_python_and_javascript_strings():
    assert [path.name for path in SUPPLEMENTS] == ["django.po", "djangojs.po"]


@ALL_CATALOGS
def test_every_entry_is_translated(path):
    po = polib.pofile(str(path))
    assert po.translated_entries()
    assert not po.untranslated_entries()
    assert not po.fuzzy_entries()


@ALL_CATALOGS
def test_translations_keep_their_placeholders(path):
    """Japanese has one plural form: it must carry the plural's placeholders (the count)."""
    for entry in polib.pofile(str(path)).translated_entries():
        source = entry.msgid_plural or entry.msgid
        for translated in [entry.msgstr, *entry.msgstr_plural.values()]:
            if translated:
                assert sorted(set(PLACEHOLDER.findall(translated))) == sorted(
                    set(PLACEHOLDER.findall(source))
                ), entry.msgid


def test_every_user_facing_string_in_the_code_has_japanese(catalog):
    translated = {entry.msgid for entry in catalog.translated_entries()}
    missing = sorted(
        {(str(path), msgid) for path, msgid in _source_strings() if msgid not in translated}
    )
    assert not missing, "run makemessages -l ja and translate: " + repr(missing)


def test_the_scan_finds_strings_in_code_and_templates():
    found = {msgid for _path, msgid in _source_strings()}
    assert "department code" in found  # a model field label
    assert "Your departments" in found  # a dashboard heading in Python
    assert "Department" in found  # a template string
