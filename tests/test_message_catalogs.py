"""The compiled message catalogs (.mo) committed beside each .po say exactly what the .po says.

The .mo files are committed so that an installed package (or ``uv sync`` then ``powerkam serve``)
shows Chinese without a compile step. A .po edited without recompiling would ship stale
translations; this test catches it. How the comparison works: docs/architecture.md ("i18n").
"""

from __future__ import annotations

import ast
import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "powerkam"
CATALOGS = sorted(SRC.glob("*/locale/*/LC_MESSAGES/django.po"))
FIX = "run `make i18n` and commit the .mo files"

Catalog = dict[str | tuple[str, int], str]


def _load_mo(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return dict(gettext.GNUTranslations(fh)._catalog)  # type: ignore[attr-defined]


def _compile(po: Path, out: Path) -> Catalog:
    """What `make i18n` writes: Django's compilemessages runs ``msgfmt --check-format``."""
    subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(po)], check=True, capture_output=True)
    return _load_mo(out)


def _parse_po(po: Path) -> Catalog:
    """The translated, non-fuzzy entries of a .po, keyed as Python's gettext keys a .mo catalog.

    Only needed where ``msgfmt`` is missing; it reads what the project's catalogs use (msgctxt,
    plurals, multi-line strings, flags, obsolete entries) and skips the header.
    """
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    field: str | None = None

    def close() -> None:
        nonlocal entry, field
        if "msgid" in entry:
            entries.append(entry)
        entry, field = {}, None

    for line in po.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#~"):
            if not line:
                close()
            continue
        if line.startswith("#"):
            if "msgid" in entry:
                close()
            if line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = True
            continue
        if line.startswith('"'):
            assert field is not None, f"{po}: a string outside an entry"
            entry[field] = str(entry[field]) + ast.literal_eval(line)
            continue
        keyword, _, value = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and "msgid" in entry and field not in (None, "msgctxt"):
            close()
        field = keyword
        entry[field] = ast.literal_eval(value)
    close()

    catalog: Catalog = {}
    for e in entries:
        if e.get("fuzzy") or e["msgid"] == "":
            continue
        key = str(e["msgid"]) if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            forms = {int(k[7:-1]): str(v) for k, v in e.items() if k.startswith("msgstr[")}
            if forms and all(forms.values()):
                catalog.update({(key, n): text for n, text in forms.items()})
        elif e.get("msgstr"):
            catalog[key] = str(e["msgstr"])
    return catalog


def _without_header(catalog: Catalog) -> Catalog:
    return {k: v for k, v in catalog.items() if k != ""}


def _differences(expected: Catalog, committed: Catalog) -> list[str]:
    lines = []
    for key in sorted(expected.keys() | committed.keys(), key=repr):
        want, have = expected.get(key), committed.get(key)
        if want != have:
            lines.append(f"  {key!r}: .po says {want!r}, .mo says {have!r}")
    return lines


def test_every_app_ships_its_catalogs() -> None:
    assert CATALOGS, f"no django.po under {SRC}"
    missing = [str(po.relative_to(SRC)) for po in CATALOGS if not po.with_suffix(".mo").is_file()]
    assert not missing, f"no compiled catalog beside {missing}: {FIX}"


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(SRC).parent.parent))
def test_committed_mo_matches_its_po(po: Path, tmp_path: Path) -> None:
    mo = po.with_suffix(".mo")
    if not mo.is_file():
        pytest.fail(f"{mo.relative_to(SRC)} is missing: {FIX}")
    committed = _load_mo(mo)
    if shutil.which("msgfmt"):
        expected = _compile(po, tmp_path / "django.mo")
    else:  # the header differs only in what msgfmt adds to it; every message is compared
        expected, committed = _parse_po(po), _without_header(committed)
    diff = _differences(expected, committed)
    assert not diff, f"{mo.relative_to(SRC)} does not match its .po ({FIX}):\n" + "\n".join(diff[:20])


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs msgfmt to check the fallback parser against")
@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(SRC).parent.parent))
def test_fallback_parser_reads_what_msgfmt_compiles(po: Path, tmp_path: Path) -> None:
    assert _parse_po(po) == _without_header(_compile(po, tmp_path / "django.mo"))


def test_a_stale_mo_is_caught(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Accounts"\nmsgstr "客户"\n\nmsgctxt "menu"\nmsgid "Open"\nmsgstr "打开"\n\n'
        '#, fuzzy\nmsgid "Draft"\nmsgstr "草稿"\n\n'
        'msgid "one bill"\nmsgid_plural "%(n)s bills"\nmsgstr[0] "%(n)s 张账单"\n',
        encoding="utf-8",
    )
    expected = _parse_po(po)
    assert expected == {"Accounts": "客户", "menu\x04Open": "打开", ("one bill", 0): "%(n)s 张账单"}
    stale = dict(expected, Accounts="账户")
    assert _differences(expected, stale) == ["  'Accounts': .po says '客户', .mo says '账户'"]
