"""The quiz format as JSON Schema, exported from the model so editors check files as the loader does.

Only what a schema can say is here (fields, types, required, patterns, bounds). Checks across fields
(a citation that exists, one correct single-choice option, every step in an ordering) are the loader's.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, Union

from quizlib.quiz import model

SCHEMA_ID = "https://quizlib.invalid/schema/quiz-v1.json"  # an identifier, never fetched


def _type(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if tp is model.Question:
        return {"oneOf": [_ref(cls, defs) for cls in model.QUESTION_TYPES.values()]}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _ref(tp, defs)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return {"anyOf": [_type(args[0], defs), {"type": "null"}]}
    if origin is tuple:
        return {"type": "array", "items": _type(typing.get_args(tp)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type(typing.get_args(tp)[1], defs)}
    if origin is Literal:
        return {"enum": list(typing.get_args(tp))}
    return {str: {"type": "string"}, bool: {"type": "boolean"}, int: {"type": "integer"}, float: {"type": "number"}}[tp]


def _ref(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    name = cls.__name__
    if name not in defs:
        defs[name] = {}  # placeholder first: definitions may refer to themselves
        hints = typing.get_type_hints(cls)
        props: dict[str, Any] = {}
        required = []
        for f in dataclasses.fields(cls):
            prop = dict(_type(hints[f.name], defs))
            meta = f.metadata
            prop["description"] = meta.get("help", "")
            for key, schema_key in (
                ("pattern", "pattern"),
                ("minimum", "minimum"),
                ("maximum", "maximum"),
                ("min_items", "minItems"),
            ):
                if key in meta:
                    prop[schema_key] = meta[key]
            if f.default is not dataclasses.MISSING and not isinstance(f.default, tuple) and f.default is not None:
                prop["default"] = f.default
            if f.name == "kind":
                required.append("kind")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                required.append(f.name)
            props[f.name] = prop
        defs[name] = {"type": "object", "additionalProperties": False, "properties": props, "required": required}
    return {"$ref": f"#/$defs/{name}"}


def quiz_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    top = _ref(model.Quiz, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "quizlib quiz file",
        "description": f"One chapter's question bank, schema_version {model.SCHEMA_VERSION}. See README.md.",
        **top,
        "$defs": defs,
    }
