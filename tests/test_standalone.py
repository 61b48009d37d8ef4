"""The repository stands alone: no code reads outside it, and what the code cites is in it.

A fresh clone with nothing beside it must pass the tests (CI runs them so, .ci/run); these checks
name the offending line before that run has to.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = [
    p for d in ("src", "tests", "benchmarks") for p in sorted((ROOT / d).rglob("*.py")) if "migrations" not in p.parts
]
DOCS = sorted((ROOT / "docs").glob("*.md"))
RULES = ROOT / "docs" / "rules.md"

PARENTS = re.compile(r"Path\(__file__\)\.resolve\(\)\.parents\[(\d+)\]")
OUTSIDE = re.compile(r"\.\./shared|/work/shared|[\"']shared[\"']\s*/\s*[\"'](?:samples|docs)")
CITATION = re.compile(
    r"(?<![\w/.\-\"'])(?P<prefix>docs/)?(?P<file>rules\.md|stack-notes\.md)`{0,2}"
    r"(?:\s*(?P<sections>§\d+(?:(?:\s*,\s*|\s+and\s+|\s*&\s*)§\d+)*))?"
)


def _lines(paths: list[Path]) -> list[tuple[str, int, str]]:
    return [
        (str(p.relative_to(ROOT)), n, line)
        for p in paths
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "rules.md" in line or "stack-notes.md" in line
    ]


def test_no_code_reaches_outside_the_repository() -> None:
    bad = []
    for path in CODE:
        text = path.read_text(encoding="utf-8")
        for m in PARENTS.finditer(text):
            target = path.resolve().parents[int(m.group(1))]
            if not target.is_relative_to(ROOT):
                bad.append(f"{path.relative_to(ROOT)}: parents[{m.group(1)}] is {target}, outside the repository")
        if path.name != Path(__file__).name and OUTSIDE.search(text):
            bad.append(f"{path.relative_to(ROOT)}: names a folder beside the repository")
    assert not bad, "use tests/fixtures/ (tests.conftest.SAMPLES) instead:\n" + "\n".join(bad)


def test_rules_and_stack_notes_are_cited_by_their_path_in_the_repository() -> None:
    bare = [
        f"{f}:{n}: {line.strip()}"
        for f, n, line in _lines(CODE + DOCS)
        for m in CITATION.finditer(line)
        if not m.group("prefix") and f not in ("docs/rules.md", "docs/stack-notes.md")
    ]
    assert not bare, "cite docs/rules.md or docs/stack-notes.md (the project's files):\n" + "\n".join(bare)


def test_every_cited_section_of_the_rules_exists() -> None:
    sections = set(re.findall(r"^## §(\d+) ", RULES.read_text(encoding="utf-8"), flags=re.MULTILINE))
    assert sections == {str(n) for n in range(1, 8)}
    missing = [
        f"{f}:{n}: §{s}"
        for f, n, line in _lines(CODE + DOCS)
        for m in CITATION.finditer(line)
        if m.group("file") == "rules.md" and m.group("sections")
        for s in re.findall(r"§(\d+)", m.group("sections"))
        if s not in sections
    ]
    assert not missing, "no such section in docs/rules.md:\n" + "\n".join(missing)


def test_paths_and_tests_named_in_the_rules_and_stack_notes_exist() -> None:
    every_test = {m for p in (ROOT / "tests").rglob("test_*.py") for m in re.findall(r"def (test_\w+)", p.read_text())}
    missing = []
    for doc in (RULES, ROOT / "docs" / "stack-notes.md"):
        for name in re.findall(r"`([^`\s]+)`", doc.read_text(encoding="utf-8")):
            is_test = re.fullmatch(r"test_\w+", name)
            is_path = re.fullmatch(r"[\w./-]+/[\w.-]+\.(?:py|csv|md|toml)|[\w/-]+/", name)
            if is_test and name not in every_test:
                missing.append(f"{doc.name}: test {name}")
            elif is_path and not any((base / name).exists() for base in (ROOT, ROOT / "src" / "powerkam")):
                missing.append(f"{doc.name}: {name}")
    assert not missing, "named in the docs but not in the repository:\n" + "\n".join(missing)
