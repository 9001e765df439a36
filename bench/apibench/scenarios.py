"""What the bench requests: the trivial view, and the services list answered 200 and 304 for
each page size, each checked once (count, items, channels, ETag, empty 304) before any load."""

import json
from dataclasses import dataclass

from .errors import BenchError
from .server import request

SERVICES_PATH = "/api/v1/services"


@dataclass
class Scenario:
    """One request wrk repeats, and the status every answer to it must have."""

    label: str
    path: str
    expected_status: int
    headers: dict


def trivial_scenario():
    """``GET /``, the app's redirect to the admin: the whole middleware stack, no database,
    no template; what any request costs on this server."""
    return Scenario("trivial view (GET / → 302)", "/", 302, {})


def services_scenarios(port, token, page_sizes, expected_count):
    """The 200 and 304 scenarios of the services list, after checking one answer of each."""
    auth = {"Authorization": f"Bearer {token}"}
    found200, found304, sizes = [], [], {}
    for page_size in page_sizes:
        path = f"{SERVICES_PATH}?page_size={page_size}"
        status, headers, body = request(port, path, auth)
        if status != 200:
            raise BenchError(f"GET {path} answered {status}: {body[:500]!r}")
        page = json.loads(body)
        items = page.get("items", [])
        wanted = min(page_size, expected_count)
        if page.get("count") != expected_count or len(items) != wanted or not items:
            raise BenchError(
                f"GET {path}: count {page.get('count')} and {len(items)} items; expected "
                f"count {expected_count} and {wanted} items"
            )
        if not all(item["channels"] for item in items):
            raise BenchError(f"GET {path}: a service came without its published channel")
        etag = headers.get("ETag")
        if not etag:
            raise BenchError(f"GET {path} has no ETag")
        status, _headers, not_modified_body = request(port, path, {**auth, "If-None-Match": etag})
        if status != 304 or not_modified_body:
            raise BenchError(f"GET {path} with If-None-Match answered {status}, not 304")
        sizes[page_size] = (len(items), len(body))
        found200.append(Scenario(f"services 200, page_size={page_size}", path, 200, auth))
        conditional = {**auth, "If-None-Match": etag}
        found304.append(Scenario(f"services 304, page_size={page_size}", path, 304, conditional))
    return found200 + found304, sizes
