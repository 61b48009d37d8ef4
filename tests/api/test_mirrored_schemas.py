"""A response schema that mirrors a dataclass takes its fields from it (docs/api.md): a field added to
the dataclass reaches the API without a second declaration, in its place."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from ninja import Field, Schema

from powerkam.analytics.reliability import Reliability
from powerkam.api.schemas import mirrors
from powerkam.outages.api.grid import ReliabilityOut


@dataclasses.dataclass(frozen=True)
class Sample:
    start: dt.datetime
    kwh: float
    tags: tuple[str, ...] = ()
    internal: int = 0


def test_the_fields_come_from_the_dataclass_in_its_order() -> None:
    @mirrors(Sample, exclude={"internal"})
    class SampleOut(Schema):
        kwh: float | None = Field(description="null: unknown")
        text: str

    assert list(SampleOut.model_fields) == ["start", "kwh", "tags", "text"]
    assert SampleOut.model_fields["kwh"].description == "null: unknown"
    assert all(f.is_required() for f in SampleOut.model_fields.values())  # an answer always has them
    schema = SampleOut.model_json_schema()
    assert schema["title"] == "SampleOut"
    assert schema["properties"]["tags"] == {"items": {"type": "string"}, "title": "Tags", "type": "array"}


def test_the_schema_reads_the_dataclass_itself() -> None:
    @mirrors(Sample, exclude={"internal"})
    class SampleOut(Schema):
        pass

    answer = SampleOut.model_validate(Sample(dt.datetime(2026, 12, 7, 8), 1.5, ("a",), internal=7))
    assert answer.model_dump(mode="json") == {"start": "2026-12-07T08:00:00", "kwh": 1.5, "tags": ["a"]}


def test_a_missing_field_is_refused_when_the_schema_is_built() -> None:
    with pytest.raises(TypeError, match="no field kw"):
        mirrors(Sample, exclude={"kw"})


def test_the_reliability_answer_has_the_dataclass_fields() -> None:
    shown = [f.name for f in dataclasses.fields(Reliability) if f.name != "events"]
    assert list(ReliabilityOut.model_fields) == shown
