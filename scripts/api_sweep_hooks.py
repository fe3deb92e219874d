"""Schemathesis hooks of scripts/api-sweep.sh.

* Request bodies of media types that schemathesis cannot make by itself: a résumé upload
  (`application/pdf`) gets a small PDF document, an empty body, or arbitrary bytes, so that the
  checks of the upload see good and bad files alike.
* Values that exist on the demo node: random identifiers and codes are almost always unknown
  (404) or malformed (400), so the sweep would rarely reach past the first lookup. When
  SWEEP_BASE_URL and SWEEP_TOKEN are set, the ids, organisation codes, catalogues and credit
  codes of a few real records are read once from the API, and every generated path parameter or
  query parameter of that name is, some of the time, replaced by one of them (otherwise the
  generated value is kept, malformed ones included).
"""
import json
import os
import urllib.request

from hypothesis import strategies as st

import schemathesis

_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)



def _pdf_header(rest):
    return b"%PDF-1.7\n" + rest


# Named functions rather than lambdas throughout: Hypothesis reads a lambda's source to describe
# it, which is not safe from several worker threads on every Python version.
schemathesis.openapi.media_type(
    "application/pdf",
    st.one_of(st.just(_PDF), st.just(b""), st.binary(max_size=256).map(_pdf_header), st.binary(max_size=256)),
)

# The demo province and its first university (四川省, 四川大学).
PROVINCE = "510000"
UNIVERSITY = "4151010610"


def _get(path):
    base, token = os.environ.get("SWEEP_BASE_URL"), os.environ.get("SWEEP_TOKEN")
    if not base or not token:
        return None
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return json.loads(res.read().decode("utf-8"))
    except (OSError, ValueError):
        return None


def _ids(doc, key="id", limit=5):
    """Values of `key` anywhere in a JSON document (the first `limit`)."""
    found = []

    def walk(v):
        if len(found) >= limit:
            return
        if isinstance(v, dict):
            if isinstance(v.get(key), str) and v[key] not in found:
                found.append(v[key])
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(doc)
    return found


def _known():
    """Real values by the first segment of the path under /api/v1 (for `id`) or by name."""
    own = _get("/api/v1/me") or {}
    own_id = own.get("id") or (own.get("user") or {}).get("id")
    lists = {
        "graduates": f"/api/v1/graduates?org={UNIVERSITY}&limit=5",
        "postings": "/api/v1/postings?limit=5",
        "campaigns": "/api/v1/campaigns",
        "visits": f"/api/v1/visits?org={PROVINCE}&limit=5",
        "bases": f"/api/v1/bases?org={PROVINCE}&limit=5",
        "users": "/api/v1/users?limit=5",
        "disputes": "/api/v1/disputes",
    }
    by_resource = {name: [i for i in _ids(_get(path)) if i != own_id] for name, path in lists.items()}
    employers = _get(f"/api/v1/employers?org={PROVINCE}&limit=5")
    catalogues = _ids(_get("/api/v1/ref"), limit=20)
    return by_resource, {
        "code": [PROVINCE, UNIVERSITY],
        "org": [PROVINCE, UNIVERSITY],
        "university": [UNIVERSITY],
        "province": [PROVINCE],
        "catalogue": catalogues,
        "credit_code": _ids(employers, key="credit_code"),
        "cohort": [2025, 2026],
        "year": [2025, 2026],
    }


BY_RESOURCE, BY_NAME = _known() if os.environ.get("SWEEP_TOKEN") else ({}, {})


def _resource(ctx):
    parts = ctx.operation.path.split("/")
    return parts[3] if len(parts) > 3 else ""


def _replace(values, choices_of):
    if not values:
        return st.just(values)
    options = []
    for name in values:
        choices = choices_of(name)
        if choices:
            options.append((name, choices))
    if not options:
        return st.just(values)

    return _mixed(values, options)


@st.composite
def _mixed(draw, values, options):
    """The generated values, each of `options` replaced by a real value about half of the time."""
    out = dict(values)
    for name, choices in options:
        if draw(st.booleans()):
            out[name] = draw(st.sampled_from(choices))
    return out


@schemathesis.hook
def flatmap_path_parameters(ctx, path_parameters):
    resource = _resource(ctx)

    def choices(name):
        return BY_RESOURCE.get(resource) if name == "id" else [str(v) for v in BY_NAME.get(name, [])]

    return _replace(path_parameters, choices)


@schemathesis.hook
def flatmap_query(ctx, query):
    return _replace(query, BY_NAME.get)


if BY_RESOURCE or BY_NAME:
    _known_counts = {k: len(v) for k, v in {**BY_RESOURCE, **BY_NAME}.items()}
    print(f"sweep hooks: real values per parameter {_known_counts}", flush=True)
