"""Tests of scripts/moto_locked.py.

Its partition queries: every Query answers exactly what moto's own Query
answers, on one table holding many partitions, for the table and for an
index, with key conditions, filters, limits, paging and either direction.

Its light transaction backups: a cancelled transaction leaves no record in
the table's stream, not even for a reader whose iterator was taken before it.

Its one-pass items: the same items stored, the same too-large ones refused,
the same size measured. Its parsed conditions: the same writes pass and fail.

Run: python -m unittest scripts/test_moto_locked.py"""

import random
import sys
import unittest
from pathlib import Path

import boto3
from moto import mock_aws
import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.models.table as table_module
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
import moto_locked  # noqa: E402

MOTOS_OWN = (Table.query, Table.all_items)
MOTOS_OWN_COPY = table_module.copy
MOTOS_OWN_ITEM = (Item.__init__, Item.size)
MOTOS_OWN_PARSE = (dynamodb_models.get_filter_expression, table_module.get_filter_expression)
MOTOS_OWN_TRANSACTIONS = (dynamodb_models.copy, dynamodb_models.DynamoDBBackend.transact_write_items)


def motos_own_queries() -> None:
    Table.query, Table.all_items = MOTOS_OWN
    table_module.copy = MOTOS_OWN_COPY


def pages(client, **request):
    """Every page of a Query, as the caller sees them."""
    answers = []
    while True:
        answer = client.query(**request)
        answers.append((answer["Items"], answer.get("LastEvaluatedKey"), answer["Count"]))
        if "LastEvaluatedKey" not in answer:
            return answers
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


class PartitionQueries(unittest.TestCase):
    def setUp(self):
        self.mock = mock_aws()
        self.mock.start()
        self.client = boto3.client("dynamodb", region_name="us-east-1")
        self.client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gpk", "gsk")
            ],
            GlobalSecondaryIndexes=[{
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "gpk", "KeyType": "HASH"}, {"AttributeName": "gsk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }],
        )
        rng = random.Random(7)
        for n in range(600):
            item = {"pk": {"S": f"ORG#{rng.randrange(12)}"}, "sk": {"S": f"{rng.choice('ABM')}#{n:04}"},
                    "n": {"N": str(rng.randrange(100))}}
            if rng.random() < 0.6:  # only some items are in the index, as in Roster's table
                item["gpk"] = {"S": f"G#{rng.randrange(5)}"}
                item["gsk"] = {"S": f"{rng.randrange(1000):04}"}
            self.client.put_item(TableName="t", Item=item)

    def tearDown(self):
        motos_own_queries()
        self.mock.stop()

    def assert_same_answers(self, **request):
        motos_own_queries()
        expected = pages(self.client, **request)
        moto_locked._install_partition_queries()
        try:
            self.assertEqual(pages(self.client, **request), expected, request)
        finally:
            motos_own_queries()
        return expected

    def test_table_queries_answer_as_motos_own(self):
        key = {":p": {"S": "ORG#3"}}
        first = self.assert_same_answers(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues=key)
        self.assertGreater(first[0][2], 10, "the partition holds items: the comparison means something")
        self.assert_same_answers(TableName="t", KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                                 ExpressionAttributeValues={**key, ":s": {"S": "M#"}})
        self.assert_same_answers(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues=key,
                                 Limit=7, ScanIndexForward=False)
        self.assert_same_answers(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={**key, ":n": {"N": "50"}},
                                 FilterExpression="n < :n", Limit=5)
        self.assert_same_answers(TableName="t", KeyConditionExpression="pk = :p",
                                 ExpressionAttributeValues={":p": {"S": "ORG#nobody"}})
        # Sort key conditions: the items they keep are the only ones moto sees.
        between = self.assert_same_answers(
            TableName="t", KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
            ExpressionAttributeValues={**key, ":a": {"S": "A#0100"}, ":b": {"S": "B#0400"}}, Limit=6)
        self.assertGreater(len(between), 1, "the condition's matches span pages")
        self.assert_same_answers(TableName="t", KeyConditionExpression="pk = :p AND sk < :s",
                                 ExpressionAttributeValues={**key, ":s": {"S": "B#"}}, Limit=4, ScanIndexForward=False)
        self.assert_same_answers(TableName="t", KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                                 ExpressionAttributeValues={**key, ":s": {"S": "M#"}, ":n": {"N": "30"}},
                                 FilterExpression="n >= :n", Limit=3)

    def test_index_queries_answer_as_motos_own(self):
        key = {":g": {"S": "G#2"}}
        first = self.assert_same_answers(TableName="t", IndexName="by-g", KeyConditionExpression="gpk = :g",
                                         ExpressionAttributeValues=key)
        self.assertGreater(first[0][2], 10)
        self.assert_same_answers(TableName="t", IndexName="by-g", KeyConditionExpression="gpk = :g AND gsk > :s",
                                 ExpressionAttributeValues={**key, ":s": {"S": "0500"}}, Limit=9, ScanIndexForward=False)
        # A filter over a whole index partition, as the tests' outbox reads do, paged and not.
        kept = self.assert_same_answers(TableName="t", IndexName="by-g", KeyConditionExpression="gpk = :g",
                                        FilterExpression="n < :n", ExpressionAttributeValues={**key, ":n": {"N": "20"}})
        self.assertGreater(kept[0][2], 2, "the filter keeps some")
        self.assert_same_answers(TableName="t", IndexName="by-g", KeyConditionExpression="gpk = :g",
                                 FilterExpression="n < :n", ExpressionAttributeValues={**key, ":n": {"N": "20"}},
                                 Limit=11)

    def test_a_scan_still_sees_every_partition_in_order(self):
        moto_locked._install_partition_queries()
        items = self.client.scan(TableName="t")["Items"]
        self.assertEqual(len(items), 600)
        keys = [(i["pk"]["S"], i["sk"]["S"]) for i in items]
        self.assertEqual(keys, sorted(keys))


class HashKeyTable(unittest.TestCase):
    """moto in process, with one table keyed by `pk` alone."""

    def setUp(self):
        self.mock = mock_aws()
        self.mock.start()
        self.client = boto3.client("dynamodb", region_name="us-east-1")
        self.client.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )

    def tearDown(self):
        self.mock.stop()


class OnePassItems(HashKeyTable):
    def tearDown(self):
        Item.__init__, Item.size = MOTOS_OWN_ITEM
        super().tearDown()

    def outcomes(self) -> list:
        """What moto answers to items of growing size (the last ones too large)."""
        answers = []
        for size in (100, 200_000, 404_000, 404_900, 405_500, 600_000):
            item = {"pk": {"S": f"p{size}"}, "n": {"N": "7"}, "l": {"L": [{"S": "x"}, {"BOOL": True}]},
                    "m": {"M": {"k": {"SS": ["a", "b"]}}}, "big": {"S": "x" * size}}
            try:
                self.client.put_item(TableName="t", Item=item)
                answers.append(("stored", self.client.get_item(TableName="t", Key={"pk": item["pk"]})["Item"]))
            except self.client.exceptions.ClientError as e:
                answers.append(("refused", e.response["Error"]["Message"]))
        return answers

    def test_an_item_measures_what_moto_measures(self):
        attrs = {"pk": {"S": "ORG#ünïcødé"}, "n": {"N": "-12.50"}, "b": {"B": b"\x00\xff"}, "t": {"BOOL": True},
                 "z": {"NULL": True}, "ss": {"SS": ["a", "bé"]}, "ns": {"NS": ["1", "22"]},
                 "l": {"L": [{"S": "x"}, {"N": "3"}]}, "m": {"M": {"k": {"S": "v"}, "é": {"N": "1e3"}}}}
        item = Item(None, None, attrs)
        own = MOTOS_OWN_ITEM[1](item)
        self.assertGreater(own, 40)
        self.assertEqual(moto_locked._item_size(item), own)

    def test_items_are_stored_and_refused_as_moto_stores_and_refuses_them(self):
        own = self.outcomes()
        self.assertEqual([kind for kind, _ in own], ["stored"] * 4 + ["refused"] * 2, "both sides of the limit")
        moto_locked._install_one_pass_items()
        self.assertEqual(self.outcomes(), own)


class ParsedConditions(HashKeyTable):
    """A parsed condition is reused for the same expression, names and values
    only: the same writes pass and fail as with moto's own parsing."""

    def tearDown(self):
        dynamodb_models.get_filter_expression, table_module.get_filter_expression = MOTOS_OWN_PARSE
        super().tearDown()

    def outcomes(self, run: str) -> list:
        answers = []

        def attempt(write, **request):
            try:
                write(**request)
                answers.append("ok")
            except self.client.exceptions.ClientError as e:
                answers.append(e.response["Error"]["Code"])

        for n in range(3):
            key = {"pk": {"S": f"{run}-{n % 2}"}}
            attempt(self.client.put_item, TableName="t", Item={**key, "n": {"N": str(n)}},
                    ConditionExpression="attribute_not_exists(pk)")
            for limit in (1, 5):
                attempt(self.client.update_item, TableName="t", Key=key, UpdateExpression="SET n = n + :one",
                        ConditionExpression="n < :limit",
                        ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(limit)}})
            attempt(self.client.transact_write_items, TransactItems=[
                {"Put": {"TableName": "t", "Item": {"pk": {"S": f"{run}-t{n}"}},
                         "ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": "pk"}}},
                {"ConditionCheck": {"TableName": "t", "Key": key, "ConditionExpression": "n >= :min",
                                    "ExpressionAttributeValues": {":min": {"N": "2"}}}},
            ])
        answers.append(sorted((i["pk"]["S"].removeprefix(run), i.get("n", {}).get("N")) for i in
                              self.client.scan(TableName="t")["Items"] if i["pk"]["S"].startswith(run)))
        return answers

    def test_the_same_writes_pass_and_fail_as_with_motos_own_parsing(self):
        own = self.outcomes("own")
        self.assertIn("ok", own)
        self.assertIn("ConditionalCheckFailedException", own)
        moto_locked._install_parsed_conditions()
        self.assertEqual(self.outcomes("cached"), own)


class StreamAcrossCancelledTransactions(unittest.TestCase):
    """moto goes on writing a transaction's later items after a failed
    condition, then restores the tables: the stream records of those writes
    must go too, for every reader. A stream poller that read them from an
    iterator taken before the rollback skipped, by sequence number, the next
    real records: an invitation mail never went out."""

    def setUp(self):
        self.mock = mock_aws()
        self.mock.start()
        moto_locked._install_light_transactions()
        self.client = boto3.client("dynamodb", region_name="us-east-1")
        self.streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        table = self.client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        self.arn = table["TableDescription"]["LatestStreamArn"]
        self.shard = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def tearDown(self):
        dynamodb_models.copy, dynamodb_models.DynamoDBBackend.transact_write_items = MOTOS_OWN_TRANSACTIONS
        self.mock.stop()

    def put(self, sk: str) -> None:
        self.client.put_item(TableName="t", Item={"pk": {"S": "ORG#a"}, "sk": {"S": sk}})

    def iterator_after(self, sequence_number: str) -> str:
        return self.streams.get_shard_iterator(
            StreamArn=self.arn, ShardId=self.shard,
            ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=sequence_number,
        )["ShardIterator"]

    def records(self, iterator: str) -> list:
        return self.streams.get_records(ShardIterator=iterator)["Records"]

    def cancelled_transaction(self) -> None:
        """A failed condition first, then a write that moto still performs."""
        with self.assertRaises(self.client.exceptions.TransactionCanceledException):
            self.client.transact_write_items(TransactItems=[
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "ORG#a"}, "sk": {"S": "ORG"}},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "ORG#a"}, "sk": {"S": "MEMBER#cancelled"}}}},
            ])

    def test_an_iterator_taken_before_a_cancelled_transaction_reads_none_of_it(self):
        self.put("ORG")
        first = self.records(self.streams.get_shard_iterator(
            StreamArn=self.arn, ShardId=self.shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"])
        self.assertEqual([r["dynamodb"]["Keys"]["sk"]["S"] for r in first], ["ORG"])
        last = first[-1]["dynamodb"]["SequenceNumber"]

        taken_before = self.iterator_after(last)
        self.cancelled_transaction()
        self.assertEqual(self.records(taken_before), [], "the cancelled transaction's write is not in the stream")

        self.put("OUTBOX#mail")
        after = self.records(self.iterator_after(last))
        self.assertEqual([r["dynamodb"]["Keys"]["sk"]["S"] for r in after], ["OUTBOX#mail"])
        self.assertEqual(self.records(taken_before), after, "the iterator taken before reads the same records")
        items = self.client.scan(TableName="t")["Items"]
        self.assertEqual(sorted(i["sk"]["S"] for i in items), ["ORG", "OUTBOX#mail"], "the table rolled back too")


if __name__ == "__main__":
    unittest.main()
