#!/usr/bin/env python3
"""Validates the OpenAPI document the node serves against the OpenAPI 3.1 schema.

The document is read from the snapshot that the web tests compare with `/api/openapi.json`
(so it is exactly what a node serves). Exit 0 when valid; otherwise print the first problems.
"""
import json
import sys
from pathlib import Path

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

snap = Path(__file__).resolve().parent.parent / "crates/web/tests/snapshots/web__openapi.snap"
text = snap.read_text(encoding="utf-8")
# An insta snapshot: a header between two `---` lines, then the JSON.
parts = text.split("---\n", 2)
doc = json.loads(parts[2] if len(parts) == 3 else text)
version = doc.get("openapi", "")
if not version.startswith("3.1"):
    print(f"openapi version is {version!r}, expected 3.1.x")
    sys.exit(1)
shared = doc.get("components", {}).get("responses", {})


def described(resp):
    """A response has a description, directly or in the shared response it refers to."""
    ref = resp.get("$ref", "")
    if ref:
        prefix = "#/components/responses/"
        return ref.startswith(prefix) and bool(shared.get(ref[len(prefix):], {}).get("description"))
    return bool(resp.get("description"))


responses = [
    (f"{method.upper()} {path} {status}", resp)
    for path, item in doc.get("paths", {}).items()
    for method, op in item.items()
    if isinstance(op, dict)
    for status, resp in op.get("responses", {}).items()
]
missing = [name for name, resp in responses if not described(resp)]
missing += [f"components.responses.{name}" for name, resp in shared.items() if not resp.get("description")]
print(f"{len(responses)} responses, {len(missing)} without a description")
if missing:
    print(f"{len(missing)} responses lack a description, e.g. {missing[:5]}")
    sys.exit(1)
try:
    validate(doc)
except OpenAPIValidationError as e:
    print(f"invalid OpenAPI document: {e}")
    sys.exit(1)
print(f"OpenAPI {version}: valid ({len(doc.get('paths', {}))} paths)")
