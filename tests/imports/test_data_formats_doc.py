"""docs/data-formats.md tells users the same contract the importer enforces."""

from pathlib import Path

from powerkam.analytics.io.contract import CONTRACT

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-formats.md"


def test_every_kind_column_alias_and_enum_value_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for kind, spec in CONTRACT.items():
        assert f"### `{kind}`" in text, kind
        for col in spec.columns:
            assert f"`{col.name}`" in text, (kind, col.name)
            for alias in col.aliases:
                assert alias in text, (kind, col.name, alias)
            if col.type == "enum" and col.name != "industry":
                for value, spellings in col.choices.items():
                    assert f"`{value}`" in text, (kind, col.name, value)
                    if spellings:
                        assert spellings[0] in text, (kind, col.name, spellings[0])
