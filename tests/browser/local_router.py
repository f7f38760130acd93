"""The one answer of `cargo lambda watch` itself that the browser tests fetch again.

cargo lambda watch 1.9.2 sometimes loses a function's response under load and
answers `500` with `LOST_RESPONSE` instead. Diagnosed with strace
(docs/development.md, "The local emulator and router"): its runtime API acknowledges `POST /response` before reading
the body; when the function's runtime client (lambda_runtime keeps one idle
connection) then closes that connection, the router has not yet taken the rest
of the body and hyper drops it. It hits large responses most (81 KB
`openapi.yaml`: 1 in 100 under load, 0 in 800 for a 217-byte icon). The function
answered correctly; Lambda behind API Gateway has no such step.

Only GETs that get exactly that body are fetched again (at most twice) and
counted; the handlers' own errors never have that shape (`{"error": ...}`), and
every other 5xx, from the router or not, still fails the test. The count is
printed at the end of the run.
"""

import re
import urllib.error
import urllib.request

from playwright.sync_api import Error as PlaywrightError

LOST_RESPONSE = b'{"type":"https://httpstatuses.com/500","status":500,"title":"Internal Server Error"}'
ATTEMPTS = 3
refetched: list[str] = []


def is_lost_response(status: int, body: bytes) -> bool:
    return status == 500 and body == LOST_RESPONSE


def get(url: str, headers: dict | None = None):
    """GET url: (status, headers, body), fetched again on the router's lost response."""
    for attempt in range(ATTEMPTS):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=60) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            status, err_headers, body = err.code, err.headers, err.read()
        if not is_lost_response(status, body) or attempt == ATTEMPTS - 1:
            return status, err_headers, body
        refetched.append(f"GET {url}")
    raise AssertionError("unreachable")


def route(route):
    """Playwright route handler for the stack's origin (see the module doc)."""
    try:
        _route(route)
    except PlaywrightError as err:
        # The page or context closed while this request was in flight (a test
        # ending mid-poll): nobody is left to answer.
        if not re.search(r"(has been|context) (disposed|closed)", str(err)):
            raise


def _route(route):
    request = route.request
    if request.method != "GET":
        route.fallback()
        return
    for attempt in range(ATTEMPTS):
        # max_redirects=0: redirects go to the browser as they came.
        response = route.fetch(max_redirects=0)
        if not is_lost_response(response.status, response.body()) or attempt == ATTEMPTS - 1:
            break
        refetched.append(f"GET {request.url}")
    route.fulfill(response=response)
