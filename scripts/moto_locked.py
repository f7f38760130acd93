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
A Query keeps only the items its key condition matches before moto sorts
them and sizes each one for the 1 MB page limit: moto sized every item of
the partition (for an index, of the whole index partition: every invitation's
reminder, for a sweep asking what is due now).

A Query with a filter expression copies only the results the filter keeps.
Each condition or filter expression is parsed once.

And it builds an item's attributes in one pass: moto re-measured the whole item
on each attribute it added (quadratic in the attributes; 0.8 ms of every
write). The item is measured once, against the same 400 KB limit, by the same
measure, computed in line for strings and numbers.

Usage: python scripts/moto_locked.py -H 127.0.0.1 -p 4566
"""

import argparse
import copy
import json
import os
import signal
import sys
import threading

import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.models.table as table_module
from moto.dynamodb.comparisons import OpDefault
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict, bytesize
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
    """The table a Query is running on, the partition it reads (None: an
    index query, which may match any partition), and the items its key
    condition keeps."""

    table: Table | None = None
    hash_key: DynamoType | None = None
    keeps = None  # (Item) -> bool: the key condition, when it is one moto's loop applies as is
    survives = None  # (Item) -> bool: whether the filter expression keeps a result


_query_scope = _QueryScope()


def _items_of(table: Table, partitions) -> list:
    if table.range_key_attr:
        return [item for partition in partitions for item in partition.values()]
    return list(partitions)


def _equal(a: DynamoType, b: DynamoType) -> bool:
    """DynamoType's ==, without building two Decimals or sets for a string key."""
    if a.type == "S" and b.type == "S":
        return a.value == b.value
    return a == b


def _key_condition(table: Table, index_name, range_comparison=None, range_objs=(),
                   hash_key_conditions=(), range_key_conditions=(), **_):
    """What a Query's key condition keeps, as moto's own loop decides it, or
    None (keep all) for a form this does not take over (several range keys)."""
    if index_name:
        if len(range_key_conditions or ()) > 1:
            return None
        wanted = list(hash_key_conditions or ())
        range_attr = range_key_conditions[0][0] if range_key_conditions and range_comparison else None

        def keeps(item):
            for name, expected in wanted:
                value = item.attrs.get(name)
                if not value or not _equal(value, expected):
                    return False
            if range_attr is None:
                return True
            value = item.attrs.get(range_attr)
            return bool(value) and value.compare(range_comparison, range_objs)

        return keeps
    if range_comparison and table.range_key_attr:
        return lambda item: item.range_key.compare(range_comparison, range_objs)
    return None


def _install_partition_queries() -> None:
    original_query = Table.query
    original_all_items = Table.all_items

    def all_items(self):
        if _query_scope.table is not self:
            return original_all_items(self)  # a Scan's or an export's, sorted as moto sorts them
        if _query_scope.hash_key is None:
            items = _items_of(self, self.items.values())
        else:
            # `items` is a defaultdict: get() reads without creating the partition
            partition = self.items.get(_query_scope.hash_key)
            items = [] if partition is None else _items_of(self, [partition])
        keeps = _query_scope.keeps
        return items if keeps is None else [item for item in items if keeps(item)]

    def query(self, hash_key, *args, **kwargs):
        index_name = kwargs["index_name"] if "index_name" in kwargs else (args[6] if len(args) > 6 else None)
        condition = kwargs["filter_expression"] if "filter_expression" in kwargs else (args[8] if len(args) > 8 else None)
        _query_scope.table = self
        _query_scope.hash_key = None if index_name else hash_key
        _query_scope.keeps = _key_condition(self, index_name, *args[:2], **kwargs)
        if condition is not None and not isinstance(condition, OpDefault):  # OpDefault: no filter
            index = self.get_index(index_name) if index_name else None
            # as moto filters its copies: projected to the index first
            _query_scope.survives = lambda item: condition.expr(index.project(item) if index else item)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _query_scope.table = None
            _query_scope.hash_key = None
            _query_scope.keeps = None
            _query_scope.survives = None

    Table.all_items = all_items
    Table.query = query
    table_module.copy = _QueryCopies()


class _QueryCopies:
    """Stands in for the `copy` module inside moto's Table: a Query copies
    its results before its filter expression drops some (a sweep-style read
    of a whole due partition copied thousands of items to keep a few). Here
    the results the filter will drop are passed along uncopied (moto's filter
    drops them before anything could change them); every other copy is the
    real thing."""

    def deepcopy(self, obj, *args, **kwargs):
        survives = _query_scope.survives
        if survives is None or not isinstance(obj, list):
            return copy.deepcopy(obj, *args, **kwargs)
        return [copy.deepcopy(item) if survives(item) else item for item in obj]

    def __getattr__(self, name):
        return getattr(copy, name)


def _item_size(self) -> int:
    """moto's Item.size, with its string and number attributes measured in
    line (it took a fifth of a Query's time)."""
    total = 0
    for key, value in self.attrs.items():
        total += len(key.encode("utf-8"))
        kind = value.type
        if kind == "S" and isinstance(value.value, str):
            total += len(value.value.encode("utf-8"))
        elif kind == "N":
            total += len(str(value.value))
        else:
            total += value.size()
    return total


def _install_parsed_conditions() -> None:
    """Parses each condition or filter expression once (with its names and
    values): moto parsed it on every use, twice for each put of a
    transaction, a fifth of the emulator's time. The parsed form is only
    evaluated, never changed."""
    parse = dynamodb_models.get_filter_expression
    parsed: dict[str, object] = {}

    def get_filter_expression(expr, names, values):
        try:
            key = json.dumps([expr, names, values], sort_keys=True)
        except (TypeError, ValueError):
            return parse(expr, names, values)
        if key not in parsed:
            if len(parsed) >= 10_000:
                parsed.clear()
            parsed[key] = parse(expr, names, values)
        return parsed[key]

    dynamodb_models.get_filter_expression = get_filter_expression
    table_module.get_filter_expression = get_filter_expression


def _install_one_pass_items() -> None:
    def item_init(self, hash_key, range_key, attrs):
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        # The sum moto's LimitedSizeDict checks on each insert only grows, so
        # checking it once, at the end, refuses exactly the same items.
        if sum(bytesize(key) + value.size() for key, value in values.items()) > 405000:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, values)  # later updates still go through its checks

    Item.__init__ = item_init
    Item.size = _item_size


def install() -> None:
    """The emulator's changes to moto's DynamoDB (see the docstring)."""
    _install_light_transactions()
    _install_partition_queries()
    _install_one_pass_items()
    _install_parsed_conditions()


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
