"""local_router fetches again only cargo lambda watch's lost-response 500, and
only for GETs: checked against a scripted server, not the stack."""

import http.server
import threading

import pytest

import local_router


class Scripted(http.server.BaseHTTPRequestHandler):
    """Answers each path with its queued (status, body) answers, then 200."""

    answers: dict[str, list[tuple[int, bytes]]] = {}
    seen: list[str] = []

    def _answer(self):
        Scripted.seen.append(f"{self.command} {self.path}")
        queue = Scripted.answers.get(self.path, [])
        status, body = queue.pop(0) if queue else (200, b"<p>fine</p>")
        self.send_response(status)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Scripted.answers, Scripted.seen = {}, []
    before = len(local_router.refetched)
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    del local_router.refetched[before:]  # what this scripted server caused is not the stack's


LOST = (500, local_router.LOST_RESPONSE)
OURS = (500, b'{"error":{"code":"internal","message":"internal error"}}')


def test_a_get_that_lost_its_response_is_fetched_again(server):
    Scripted.answers["/page"] = [LOST, LOST]
    status, _, body = local_router.get(server + "/page")
    assert (status, body) == (200, b"<p>fine</p>")
    assert Scripted.seen == ["GET /page"] * 3


def test_any_other_500_is_returned_as_it_came(server):
    Scripted.answers["/page"] = [OURS]
    assert local_router.get(server + "/page")[0] == 500
    assert Scripted.seen == ["GET /page"]


def test_a_response_lost_every_time_is_returned_after_three_attempts(server):
    Scripted.answers["/page"] = [LOST] * 5
    status, _, body = local_router.get(server + "/page")
    assert (status, body) == LOST
    assert len(Scripted.seen) == local_router.ATTEMPTS


def test_in_the_browser_only_gets_are_fetched_again(server, browser):
    context = browser.new_context()
    context.route(f"{server}/**", local_router.route)
    page = context.new_page()
    Scripted.answers["/page"] = [LOST]
    Scripted.answers["/post"] = [LOST]
    try:
        assert page.goto(server + "/page").status == 200
        posted = page.evaluate("fetch('/post', {method: 'POST'}).then(r => r.status)")
    finally:
        context.close()
    assert posted == 500
    assert Scripted.seen == ["GET /page", "GET /page", "POST /post"]
