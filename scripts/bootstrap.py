#!/usr/bin/env python3
"""Create what Roster needs in the local AWS emulator; safe to run again and again.

- the DynamoDB table named $ROSTER_TABLE, defined exactly as the `Table` resource
  of infra/template.yaml (keys, GSIs, stream, TTL), so local and deployed agree;
- the SES sender identity for $ROSTER_MAIL_FROM (moto's SendEmail rejects
  unverified senders).

Uses AWS_ENDPOINT_URL (DynamoDB), AWS_ENDPOINT_URL_SESV2 (SES) / AWS_REGION /
credentials from the environment, like the Rust SDK does. Run with .venv/bin/python.
"""

import os
import sys
from email.utils import parseaddr
from pathlib import Path

import boto3
import yaml
from botocore.exceptions import ClientError

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "template.yaml"

# Used only while infra/template.yaml does not define the table yet.
FALLBACK_TABLE = {
    "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [
        {"AttributeName": n, "AttributeType": "S"}
        for n in ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
    ],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": f"gsi{i}",
            "KeySchema": [
                {"AttributeName": f"gsi{i}pk", "KeyType": "HASH"},
                {"AttributeName": f"gsi{i}sk", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
        for i in (1, 2)
    ],
    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
    "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
}

# The parts of a CloudFormation GSI that CreateTable accepts.
GSI_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short tags (!Ref, !Sub, !GetAtt...) as plain dicts."""


def _cfn_tag(loader: yaml.Loader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


CfnLoader.add_multi_constructor("!", _cfn_tag)


def table_properties() -> dict:
    if TEMPLATE.exists():
        template = yaml.load(TEMPLATE.read_text(), Loader=CfnLoader) or {}
        table = (template.get("Resources") or {}).get("Table") or {}
        if table.get("Type") == "AWS::DynamoDB::Table":
            return table.get("Properties") or {}
        print(f"bootstrap: no AWS::DynamoDB::Table `Table` in {TEMPLATE}; using the built-in definition")
    return FALLBACK_TABLE


def create_table_args(name: str, props: dict) -> dict:
    args = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("ProvisionedThroughput"):
        args["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    if props.get("GlobalSecondaryIndexes"):
        args["GlobalSecondaryIndexes"] = [
            {k: v for k, v in gsi.items() if k in GSI_KEYS} for gsi in props["GlobalSecondaryIndexes"]
        ]
    if props.get("LocalSecondaryIndexes"):
        args["LocalSecondaryIndexes"] = props["LocalSecondaryIndexes"]
    if props.get("StreamSpecification"):
        view = props["StreamSpecification"]["StreamViewType"]
        args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    return args


def ensure_table(ddb, name: str, props: dict) -> None:
    args = create_table_args(name, props)
    try:
        ddb.create_table(**args)
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        print(f"bootstrap: created table {name}")
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceInUseException":
            raise
        existing = ddb.describe_table(TableName=name)["Table"]
        want = sorted(g["IndexName"] for g in args.get("GlobalSecondaryIndexes", []))
        have = sorted(g["IndexName"] for g in existing.get("GlobalSecondaryIndexes", []))
        if existing["KeySchema"] != args["KeySchema"] or want != have:
            print(
                f"bootstrap: WARNING table {name} exists with another key schema or GSIs "
                f"({have} != {want}); restart the emulator to recreate it",
                file=sys.stderr,
            )
        else:
            print(f"bootstrap: table {name} already exists")

    ttl = props.get("TimeToLiveSpecification") or {}
    if ttl.get("Enabled") and ttl.get("AttributeName"):
        try:
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        except ClientError as e:
            if "already enabled" not in str(e).lower():
                raise


def ensure_sender(session, sender: str) -> None:
    address = parseaddr(sender)[1]
    if not address:
        sys.exit(f"bootstrap: ROSTER_MAIL_FROM={sender!r} is not an email address")
    try:
        session.client("sesv2").create_email_identity(EmailIdentity=address)
    except ClientError as e:
        if e.response["Error"]["Code"] != "AlreadyExistsException":
            raise
    # SES v1 verification too: LocalStack checks this list for SES v2 SendEmail.
    # On SES v2's endpoint: AWS_ENDPOINT_URL_SESV2 names the mail emulator.
    ses_v1 = session.client("ses", endpoint_url=os.environ.get("AWS_ENDPOINT_URL_SESV2") or None)
    ses_v1.verify_email_identity(EmailAddress=address)
    print(f"bootstrap: sender identity {address} ready")


def ensure_bus(events, name: str) -> None:
    """The EventBridge bus publish-events puts events on (the template's EventBus)."""
    try:
        events.create_event_bus(Name=name)
    except events.exceptions.ResourceAlreadyExistsException:
        pass


def main() -> int:
    name = os.environ.get("ROSTER_TABLE")
    sender = os.environ.get("ROSTER_MAIL_FROM")
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not (name and sender and endpoint):
        sys.exit("bootstrap: set ROSTER_TABLE, ROSTER_MAIL_FROM and AWS_ENDPOINT_URL")
    session = boto3.session.Session(region_name=os.environ.get("AWS_REGION", "us-east-1"))
    ensure_table(session.client("dynamodb"), name, table_properties())
    ensure_sender(session, sender)
    bus = os.environ.get("ROSTER_EVENT_BUS")
    if bus:
        ensure_bus(session.client("events"), bus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
