"""Lambda's runtime API for one function binary, so that a test can invoke the
real `authorize` function without `cargo lambda watch`: the binary polls
/2018-06-01/runtime/invocation/next here, as it does on Lambda, and posts its
answer back. One invocation at a time, as one Lambda instance serves them.
"""

import http.server
import json
import os
import queue
import subprocess
import threading
import time
import uuid
from pathlib import Path

PREFIX = "/2018-06-01/runtime"


class Invocation:
    def __init__(self, event: dict):
        self.id = str(uuid.uuid4())
        self.event = event
        self.done = threading.Event()
        self.payload: bytes = b""
        self.error = False


class RuntimeApi:
    def __init__(self, binary: Path, env: dict[str, str], log: Path):
        self._pending: queue.Queue[Invocation] = queue.Queue()
        self._running: dict[str, Invocation] = {}
        self._lock = threading.Lock()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self._reply(404)
                inv = api._pending.get()
                with api._lock:
                    api._running[inv.id] = inv
                body = json.dumps(inv.event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", inv.id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 10_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:us-east-1:123456789012:function:authorize")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("content-length") or 0))
                parts = self.path[len(PREFIX):].strip("/").split("/")
                if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    with api._lock:
                        inv = api._running.pop(parts[1], None)
                    if inv is not None:
                        inv.payload, inv.error = data, parts[2] == "error"
                        inv.done.set()
                self._reply(202)

            def _reply(self, status: int):
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        port = self.server.server_address[1]
        full_env = dict(os.environ, **env, **{
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
            "AWS_LAMBDA_FUNCTION_NAME": binary.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_STREAM_NAME": "test",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{binary.name}",
        })
        with open(log, "ab") as out:
            self.proc = subprocess.Popen([str(binary)], env=full_env, stdout=out, stderr=out)

    def invoke(self, event: dict, timeout: float = 15) -> tuple[bytes, bool]:
        """(payload, whether it is an error) of the function's answer to event."""
        inv = Invocation(event)
        self._pending.put(inv)
        if not inv.done.wait(timeout):
            raise TimeoutError(f"the function did not answer (exit code {self.proc.poll()})")
        return inv.payload, inv.error

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.server.shutdown()
        self.server.server_close()
