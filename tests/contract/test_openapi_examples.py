"""infra/openapi.yaml checked as its readers' tools read it: every example in
the contract is valid against its schema, and every documented component is
used. Spectral (scripts/contract/lint.sh) stops at the first problem of an
example; this lists them all. Needs no stack: make test runs it as its own step.

  .venv/bin/python -m pytest tests/contract -q

Examples are looked for where OpenAPI 3.1 puts them: a media type's, a
parameter's or a header's `example` and `examples` (Example Objects, `$ref`s
resolved), and a schema's `example` and `examples` (an array), at any depth.
Each is validated against the schema beside it with JSON Schema 2020-12 (the
dialect of OpenAPI 3.1), `$ref`s resolved within the document, formats checked
(`date-time` with rfc3339-validator, `email`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

import jsonschema
import pytest
import referencing
import referencing.jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "infra" / "openapi.yaml"
BASE = "urn:roster:openapi"

# Schema keywords whose value is a schema, a list of them, or a map of them.
ONE_SCHEMA = ("items", "not", "additionalProperties", "contains", "if", "then", "else",
              "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema")
SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_MAP = ("properties", "patternProperties", "$defs", "dependentSchemas")


def pointer(*parts: str | int) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(doc: dict, node: Any) -> Any:
    """`node`, or what its local `$ref` names (components/examples and the like)."""
    seen = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        ref = node["$ref"]
        if ref in seen:
            raise ValueError(f"circular $ref {ref}")
        seen.add(ref)
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def schema_examples(schema: Any, at: str) -> Iterator[tuple[str, str, Any]]:
    """(where, schema pointer, value) of every example in `schema` and its subschemas."""
    if not isinstance(schema, dict):
        return
    if "example" in schema:
        yield at + "/example", at, schema["example"]
    if isinstance(schema.get("examples"), list):
        for i, value in enumerate(schema["examples"]):
            yield f"{at}/examples/{i}", at, value
    for key in ONE_SCHEMA:
        yield from schema_examples(schema.get(key), at + pointer(key))
    for key in SCHEMA_LIST:
        for i, sub in enumerate(schema.get(key) or []):
            yield from schema_examples(sub, at + pointer(key, i))
    for key in SCHEMA_MAP:
        for name, sub in (schema.get(key) or {}).items():
            yield from schema_examples(sub, at + pointer(key, name))


def examples(doc: dict) -> Iterator[tuple[str, str, Any]]:
    """(where, schema pointer, value) of every example in the document."""

    def walk(node: Any, at: str) -> Iterator[tuple[str, str, Any]]:
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield from walk(item, at + pointer(i))
            return
        if not isinstance(node, dict):
            return
        if isinstance(node.get("schema"), dict):  # a media type, a parameter or a header
            schema_at = at + "/schema"
            if "example" in node:
                yield at + "/example", schema_at, node["example"]
            for name, example in (node.get("examples") or {}).items():
                example = resolve(doc, example)
                if isinstance(example, dict) and "value" in example:
                    yield at + pointer("examples", name, "value"), schema_at, example["value"]
            yield from schema_examples(node["schema"], schema_at)
        for key, value in node.items():
            if key in ("schema", "example", "examples"):
                continue  # done above; an example's value is data, not more document
            if at == "/components" and key == "schemas":
                for name, schema in value.items():
                    yield from schema_examples(schema, pointer("components", "schemas", name))
                continue
            yield from walk(value, at + pointer(key))

    yield from walk(doc, "")


def example_problems(doc: dict) -> list[str]:
    """Every way an example of `doc` breaks its schema, one line each."""
    resource = referencing.jsonschema.DRAFT202012.create_resource(doc)
    registry = referencing.Registry().with_resource(BASE, resource)
    problems = []
    count = 0
    for where, schema_at, value in examples(doc):
        count += 1
        validator = jsonschema.Draft202012Validator(
            {"$ref": BASE + "#" + quote(schema_at, safe="/~")},
            registry=registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
            at = error.json_path if error.absolute_path else "the example"
            problems.append(f"{where}: {at}: {error.message}")
    if count == 0:
        problems.append("no example found: the walk over the document is broken")
    return problems


def security_schemes_used(doc: dict) -> set[str]:
    used = set()
    requirements = list(doc.get("security") or [])
    for item in (doc.get("paths") or {}).values():
        for op in item.values():
            if isinstance(op, dict):
                requirements += op.get("security") or []
    for requirement in requirements:
        used.update(requirement)
    return used


def unused_components(doc: dict) -> list[str]:
    """Components nothing refers to: `#/components/responses/X` and the rest."""
    refs = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    refs.add(value)
                else:
                    collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(doc)
    schemes = security_schemes_used(doc)
    unused = []
    for section, members in (doc.get("components") or {}).items():
        for name in members or {}:
            if section == "securitySchemes":
                if name not in schemes:
                    unused.append(f"components/securitySchemes/{name}: no security requirement names it")
            elif "#" + pointer("components", section, name) not in refs:
                unused.append(f"components/{section}/{name}: nothing refers to it")
    return unused


def load(path: Path = CONTRACT) -> dict:
    with open(path) as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@pytest.fixture(scope="module")
def contract() -> dict:
    return load()


def test_every_example_in_the_contract_is_valid_against_its_schema(contract):
    problems = example_problems(contract)
    assert not problems, "examples that break their schema:\n" + "\n".join(problems)


def test_examples_are_found_in_every_place_openapi_puts_them(contract):
    places = {where.rsplit("/example", 1)[0].split("/")[1] for where, _, _ in examples(contract)}
    assert {"paths", "components"} <= places
    found = [where for where, _, _ in examples(contract)]
    # a media type's example, an Example Object's value, a response component's, a schema's
    assert any(w.startswith("/paths/") and w.endswith("/content/application~1json/example") for w in found)
    assert any("/examples/" in w and w.endswith("/value") for w in found)
    assert any(w.startswith("/components/responses/") for w in found)


def test_every_documented_component_is_used(contract):
    unused = unused_components(contract)
    assert not unused, "\n".join(unused)


def test_the_checks_fail_on_a_broken_example_and_an_unused_response(tmp_path):
    """The checks above can fail: a copy of the contract with a response
    example missing a required field, another with a field of the wrong type,
    and a response nothing uses, written to a file and read back as the tests
    read the real one."""
    broken = copy.deepcopy(load())
    token = broken["components"]["responses"]["TokenCreated"]["content"]["application/json"]["example"]
    del token["user_id"]
    invite = broken["paths"]["/orgs/{org}/invitations"]["post"]["responses"]["200"]
    invite["content"]["application/json"]["example"]["dry_run"] = "no"
    broken["components"]["responses"]["Teapot"] = {"description": "never answered"}
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.dump(broken, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False))

    problems = example_problems(load(path))
    assert any(p.startswith("/components/responses/TokenCreated/content/application~1json/example: ")
               and "'user_id' is a required property" in p for p in problems), problems
    assert any(p.startswith("/paths/~1orgs~1{org}~1invitations/post/responses/200/content/") and "$.dry_run" in p
               and "is not of type 'boolean'" in p for p in problems), problems
    assert unused_components(load(path)) == ["components/responses/Teapot: nothing refers to it"]
