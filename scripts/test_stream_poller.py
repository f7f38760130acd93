"""Tests of scripts/stream_poller.py's Poller against moto in process: where
it starts reading, and what it hands the function.
Run: python -m unittest scripts/test_stream_poller.py"""

import json
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stream_poller  # noqa: E402


class Function(BaseHTTPRequestHandler):
    """Stands in for `cargo lambda watch`'s invoke endpoint: keeps each event."""

    events: list = []

    def do_POST(self):
        self.events.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        body = b'{"batchItemFailures": []}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


class WhereAPollerStarts(unittest.TestCase):
    def setUp(self):
        self.mock = mock_aws()
        self.mock.start()
        self.ddb = boto3.client("dynamodb", region_name="us-east-1")
        self.ddb.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        self.function = type("Kept", (Function,), {"events": []})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.function)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/invocations"

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        self.mock.stop()

    def outbox(self, name: str) -> None:
        self.ddb.put_item(TableName="t", Item={"pk": {"S": f"OUTBOX#{name}"}, "sk": {"S": f"OUTBOX#{name}"}})

    def delivered(self) -> list[str]:
        return [r["dynamodb"]["Keys"]["pk"]["S"] for e in self.function.events for r in e["Records"]]

    def poll(self, from_start: bool) -> None:
        poller = stream_poller.Poller("t", self.url, from_start, "us-east-1")
        poller.refresh()
        poller.poll_once()
        self.outbox("after")
        poller.poll_once()

    def test_from_the_start_a_record_written_before_the_first_read_is_delivered(self):
        self.outbox("before")  # a stack's first write, before its poller has read anything
        self.poll(from_start=True)
        self.assertEqual(self.delivered(), ["OUTBOX#before", "OUTBOX#after"])

    def test_from_the_end_only_what_comes_after_the_first_read(self):
        self.outbox("before")  # a reused emulator's: handled by the make dev before
        self.poll(from_start=False)
        self.assertEqual(self.delivered(), ["OUTBOX#after"])


if __name__ == "__main__":
    unittest.main()
