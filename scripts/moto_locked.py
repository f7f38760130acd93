"""moto's server with one request at a time, as DynamoDB's guarantees need.

moto's threaded server runs requests in parallel without locking its backends:
two TransactWriteItems at once can crash it ("dictionary changed size during
iteration") or both pass a condition that only one should. DynamoDB makes
conditional writes and transactions atomic; serializing requests behind one
lock gives the emulator the same semantics. Connections stay threaded, so a
client's keep-alive connection never blocks another's.

It also makes moto's TransactWriteItems affordable: moto backs up every table a
transaction touches with a deep copy, once per action (100 deep copies of the
whole table for a 100-action transaction), so a table of thousands of items
makes every transaction take seconds. The backup here copies only what the
transaction can change (the touched partitions and items); rollback semantics
are unchanged.

And a cancelled transaction leaves nothing in the table's stream. moto goes on
performing a transaction's later writes after a failed condition, then puts
the backup in the table's place, stream shard included. A stream reader whose
iterator was taken before that still held the old shard with those writes'
records, and read them; the next real writes then reused their sequence
numbers, so the reader skipped them: a lost invitation mail, now and then,
while other requests were being refused. Here the shard stays the one object
every reader holds, and a rollback cuts the cancelled records from it.

And it makes moto's Query read one partition. moto answers every Query by
sorting the whole table (every item of every partition, compared in Python)
and then filtering it, so a query's cost grew with everything earlier tests
wrote: after a 10,000-row import, each one sorted 10,000+ items. Here a
table Query looks at its own partition and an index Query filters the items
unsorted; moto sorts what it keeps in both cases, so the answers are the same
(scripts/test_moto_locked.py compares them with moto's own on one table).

Usage: python scripts/moto_locked.py -H 127.0.0.1 -p 4566
"""

import argparse
import copy
import os
import signal
import sys
import threading

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import run_simple


class Serialized:
    """WSGI middleware: the wrapped app sees one request at a time."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            # Materialize the body inside the lock: moto's work happens lazily.
            return list(self.app(environ, start_response))


class _LightBackups:
    """Stands in for the `copy` module inside moto's DynamoDB backend: a deep
    copy of a Table being backed up for a transaction returns the light backup
    prepared for it; every other copy is the real thing."""

    def __init__(self):
        self.prepared: dict[int, Table] = {}

    def deepcopy(self, obj, *args, **kwargs):
        backup = self.prepared.get(id(obj))
        return backup if backup is not None else copy.deepcopy(obj, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(copy, name)


def _light_backup(table: Table, ops: list) -> Table:
    backup = copy.copy(table)  # the same stream shard: see transact_write_items
    backup.items = type(table.items)(dict, table.items)
    for op in ops:
        attrs = op.get("Item") or op.get("Key") or {}
        if table.hash_key_attr not in attrs:
            continue
        hash_key = DynamoType(attrs[table.hash_key_attr])
        current = table.items.get(hash_key)
        if table.range_key_attr is None or not isinstance(current, dict):
            if current is not None:
                backup.items[hash_key] = copy.deepcopy(current)
            continue
        if backup.items[hash_key] is current:
            backup.items[hash_key] = dict(current)
        range_key = DynamoType(attrs[table.range_key_attr])
        if range_key in current:
            backup.items[hash_key][range_key] = copy.deepcopy(current[range_key])
    return backup


def _install_light_transactions() -> None:
    backups = _LightBackups()
    dynamodb_models.copy = backups
    original = dynamodb_models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        by_table: dict[str, list] = {}
        for entry in transact_items:
            op = next(iter(entry.values()), {})
            if op.get("TableName") in self.tables:
                by_table.setdefault(op["TableName"], []).append(op)
        backups.prepared = {
            id(self.tables[name]): _light_backup(self.tables[name], ops)
            for name, ops in by_table.items()
        }
        streams = [
            (table.stream_shard, len(table.stream_shard.items))
            for table in (self.tables[name] for name in by_table)
            if table.stream_shard is not None
        ]
        try:
            return original(self, transact_items)
        except Exception:
            # Rolled back (or refused before any write): the shard forgets
            # whatever the transaction appended, for every iterator at once.
            for shard, length in streams:
                del shard.items[length:]
            raise
        finally:
            backups.prepared = {}

    dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items


class _QueryScope(threading.local):
    """The table a Query is running on, and the partition it reads (None: an
    index query, which may match any partition)."""

    table: Table | None = None
    hash_key: DynamoType | None = None


_query_scope = _QueryScope()


def _items_of(table: Table, partitions) -> list:
    if table.range_key_attr:
        return [item for partition in partitions for item in partition.values()]
    return list(partitions)


def _install_partition_queries() -> None:
    original_query = Table.query
    original_all_items = Table.all_items

    def all_items(self):
        if _query_scope.table is not self:
            return original_all_items(self)  # a Scan's or an export's, sorted as moto sorts them
        if _query_scope.hash_key is None:
            return _items_of(self, self.items.values())
        # `items` is a defaultdict: get() reads without creating the partition
        partition = self.items.get(_query_scope.hash_key)
        return [] if partition is None else _items_of(self, [partition])

    def query(self, hash_key, *args, **kwargs):
        index_name = kwargs["index_name"] if "index_name" in kwargs else (args[6] if len(args) > 6 else None)
        _query_scope.table = self
        _query_scope.hash_key = None if index_name else hash_key
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _query_scope.table = None
            _query_scope.hash_key = None

    Table.all_items = all_items
    Table.query = query


def install() -> None:
    """Both of the emulator's changes to moto's DynamoDB (see the docstring)."""
    _install_light_transactions()
    _install_partition_queries()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    install()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        Serialized(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
