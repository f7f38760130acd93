#!/usr/bin/env python3
"""SES says a message bounced or was complained about (make bounce): the local
stand-in for the events SES publishes to the configuration set's SNS topic,
which the emulator cannot produce. Builds SES's event for the latest mail of
ORG to TO, with the tags the real send put on it (the org, the kind and, for an
invitation, its current generation, read from the table), wraps it in an SNS
event and invokes the running `mail-events` function with it, as the topic's
subscription does when deployed.

  ses_feedback.py TO [--org acme] [--kind bounce|soft-bounce|complaint]
                  [--api URL] [--emulator URL] [--table NAME]

Needs a running stack (make dev, scripts/stack.py): the functions at --api
($ROSTER_API_URL), the table --table ($ROSTER_TABLE) on the emulator at
--emulator ($AWS_ENDPOINT_URL). The invitation is read with boto3 (moto's
dependency, in .venv).
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
import uuid

import boto3

KINDS = {
    "bounce": ("Bounce", "Permanent", "General"),
    "soft-bounce": ("Bounce", "Transient", "MailboxFull"),
    "complaint": ("Complaint", None, None),
}


def tags_of(emulator: str, table_name: str, org: str, to: str) -> dict:
    """The tags deliver-email put on the latest mail: an invitation's if one is
    pending, else those of a seat mail."""
    # The emulator takes any keys: none is needed from the environment.
    dynamodb = boto3.resource("dynamodb", endpoint_url=emulator, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
    table = dynamodb.Table(table_name)
    item = table.get_item(Key={"pk": f"ORG#{org}", "sk": f"INV#{to}"}, ConsistentRead=True).get("Item")
    tags = {"ses:configuration-set": ["local"], "roster-org": [org]}
    if item:
        tags |= {"roster-kind": ["invitation"], "roster-generation": [str(int(item["generation"]))]}
    else:
        tags |= {"roster-kind": ["seat"]}
    return tags


def ses_event(kind: str, to: str, tags: dict) -> dict:
    event_type, bounce_type, sub_type = KINDS[kind]
    mail = {"timestamp": "2026-11-29T00:00:00.000Z", "source": os.environ.get("ROSTER_MAIL_FROM", "noreply@roster.local"),
            "messageId": f"local-{uuid.uuid4().hex}", "destination": [to], "tags": tags}
    if event_type == "Bounce":
        return {"eventType": "Bounce", "mail": mail, "bounce": {
            "bounceType": bounce_type, "bounceSubType": sub_type, "timestamp": "2026-11-29T00:00:01.000Z",
            "bouncedRecipients": [{"emailAddress": to, "action": "failed", "status": "5.1.1",
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown (make bounce)"}]}}
    return {"eventType": "Complaint", "mail": mail, "complaint": {
        "complainedRecipients": [{"emailAddress": to}], "complaintFeedbackType": "abuse",
        "timestamp": "2026-11-29T00:00:01.000Z"}}


def sns_event(message: dict) -> dict:
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "EventSubscriptionArn": "arn:aws:sns:us-east-1:000000000000:mail-events:local",
                         "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()),
                                 "TopicArn": "arn:aws:sns:us-east-1:000000000000:mail-events",
                                 "Subject": None, "Message": json.dumps(message),
                                 "Timestamp": "2026-11-29T00:00:02.000Z", "SignatureVersion": "1",
                                 "Signature": "local", "SigningCertUrl": "", "UnsubscribeUrl": "",
                                 "MessageAttributes": {}}}]}


def invoke(api: str, event: dict) -> tuple[int, bytes]:
    base = api.rstrip("/")
    req = urllib.request.Request(f"{base}/2015-03-31/functions/mail-events/invocations",
                                 data=json.dumps(event).encode(), method="POST",
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("to")
    p.add_argument("--org", default="acme")
    p.add_argument("--kind", choices=sorted(KINDS), default="bounce")
    p.add_argument("--api", default=os.environ.get("ROSTER_API_URL"), help="default $ROSTER_API_URL")
    p.add_argument("--emulator", default=os.environ.get("AWS_ENDPOINT_URL"), help="default $AWS_ENDPOINT_URL")
    p.add_argument("--table", default=os.environ.get("ROSTER_TABLE"), help="default $ROSTER_TABLE")
    args = p.parse_args()
    if not (args.api and args.emulator and args.table):
        p.error("give --api, --emulator and --table (or run inside a stack: scripts/stack.py)")
    to = args.to.strip().lower()
    tags = tags_of(args.emulator, args.table, args.org, to)
    status, body = invoke(args.api, sns_event(ses_event(args.kind, to, tags)))
    if status != 200:
        print(f"bounce: mail-events answered {status}: {body[:300]!r}", file=sys.stderr)
        return 1
    print(f"bounce: SES reported a {args.kind} of {args.org}'s mail to {to}; mail-events recorded it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
