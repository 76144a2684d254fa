"""The quick check of flat tool schemas never passes what jsonschema would refuse (hypothesis)."""

from __future__ import annotations

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmnb.models.structured import _plainly_valid, _schema_problems

_TYPES = st.sampled_from(["string", "integer", "number", "boolean", "array", "object", "null"])
_KEYS = st.sampled_from(["query", "url", "k", "flag", "page"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_KEYS, inner, max_size=2),
    max_leaves=4,
)
_PROPERTY = st.fixed_dictionaries(
    {}, optional={"type": _TYPES, "description": st.text(max_size=5), "minimum": st.integers()}
)
_SCHEMA = st.fixed_dictionaries(
    {"type": st.sampled_from(["object", "object", "array"])},
    optional={
        "properties": st.dictionaries(_KEYS, _PROPERTY, max_size=4),
        "required": st.lists(_KEYS, max_size=3, unique=True),
        "additionalProperties": st.sampled_from([True, False, {"type": "string"}]),
        "description": st.text(max_size=5),
    },
)


@settings(max_examples=400, deadline=None)
@given(schema=_SCHEMA, args=st.dictionaries(_KEYS, _JSON, max_size=4))
def test_quick_check_passes_only_what_jsonschema_passes(schema, args):
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(args))
    if _plainly_valid(args, schema):
        assert errors == []
    assert (_schema_problems("tool", args, schema) == []) == (errors == [])


def test_quick_check_covers_the_scenario_tool_schemas():
    schema = {
        "type": "object",
        "properties": {"query": {"type": "string", "description": "what to look for"}},
        "required": ["query"],
        "additionalProperties": False,
    }
    assert _plainly_valid({"query": "x"}, schema)
    assert not _plainly_valid({}, schema)
    assert not _plainly_valid({"query": 1}, schema)
    assert not _plainly_valid({"query": "x", "k": "2"}, schema)


def test_booleans_are_not_numbers_and_whole_floats_go_to_jsonschema():
    schema = {"type": "object", "properties": {"k": {"type": "integer"}, "x": {"type": "number"}}}
    assert _plainly_valid({"k": 2, "x": 0.5}, schema)
    assert not _plainly_valid({"k": True}, schema)
    assert not _plainly_valid({"x": False}, schema)
    assert not _plainly_valid({"k": 2.0}, schema)  # valid, but left to jsonschema to say so
    assert _schema_problems("tool", {"k": 2.0}, schema) == []
    assert _schema_problems("tool", {"k": True}, schema) != []
