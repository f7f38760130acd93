"""The seed's "automate onboarding" through the typed Python client generated
from infra/openapi.yaml (scripts/contract/client.py, openapi-python-client),
against the local stack, with an API key as the script's only credential: a
client that can run the flow is a contract that says what the API does.
People do the two things only people may: the admin creates the key, the
invitee accepts."""

import re
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import pytest

import stack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client_package():
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, str(ROOT / "scripts" / "contract" / "client.py"), "--out", out],
                       check=True, capture_output=True)
        sys.path.insert(0, out)
        try:
            yield out
        finally:
            sys.path.remove(out)
            for name in [m for m in sys.modules if m.startswith("roster_api_client")]:
                del sys.modules[name]


def test_the_generated_client_onboards_a_person_with_an_api_key(client_package):
    from roster_api_client import AuthenticatedClient, Client
    from roster_api_client.api.api_keys import create_api_key, list_api_keys
    from roster_api_client.api.imports import get_import
    from roster_api_client.api.invitations import accept_invitation, invite_members
    from roster_api_client.api.members import assign_seat
    from roster_api_client.api.organizations import create_org
    from roster_api_client.api.tokens import introspect_token, issue_token_for_member
    from roster_api_client.models import (AcceptInvitationRequest, CreateApiKeyRequest,
                                          CreateApiKeyRequestRole, CreateOrgRequest, ImportJob, IntrospectRequest,
                                          InviteRequest, InviteResult, IssueTokenRequest)

    api = stack.api_url()
    alice_email, bob_email = stack.unique("alice") + "@example.com", stack.unique("bob") + "@example.com"
    alice = AuthenticatedClient(base_url=api, token=stack.token(alice_email))
    slug = stack.unique("client")
    made = create_org.sync_detailed(client=alice, body=CreateOrgRequest(slug=slug, name="Client Co", seat_limit=5))
    assert made.status_code == 201, made.content
    created = create_api_key.sync_detailed(
        slug, client=alice, body=CreateApiKeyRequest(name="onboarding", role=CreateApiKeyRequestRole.ADMIN,
                                                   expires_in_days=30))
    assert created.status_code == 201, created.content
    script = AuthenticatedClient(base_url=api, token=created.parsed.key)

    invited = invite_members.sync(slug, client=script, body=InviteRequest(emails=[bob_email]))
    assert isinstance(invited, InviteResult), invited
    assert invited.results[0].outcome == "invited"
    [mail] = stack.wait_for_mail(bob_email)
    link = urllib.parse.unquote(re.search(r"token=([A-Za-z0-9._~%-]+)", mail["body"]).group(1))
    bob = AuthenticatedClient(base_url=api, token=stack.token(bob_email))
    accepted = accept_invitation.sync_detailed(client=bob, body=AcceptInvitationRequest(token=link))
    assert accepted.status_code == 200, accepted.content

    seated = assign_seat.sync_detailed(slug, bob_email, client=script)
    assert seated.status_code == 200, seated.content
    issued = issue_token_for_member.sync_detailed(slug, bob_email, client=script, body=IssueTokenRequest(name="ci"))
    assert issued.status_code == 201, issued.content
    # Introspection is IAM-signed when deployed; locally the gateway passes it on.
    active = introspect_token.sync(client=Client(base_url=api), body=IntrospectRequest(token=issued.parsed.token))
    assert active.active is True, active

    # A CSV over 500 rows is an import job (sent as bytes: the client has no text/csv bodies).
    # Addresses that are not ones: the job runs, and mails nobody (501 mails would hold up
    # the stack's mail for the tests after this one).
    rows = "".join(f"not-an-address-{i}\n" for i in range(501))
    upload = script.get_httpx_client().post(f"/orgs/{slug}/invitations", content=f"email\n{rows}".encode(),
                                            headers={"content-type": "text/csv"})
    assert upload.status_code == 202, upload.text
    job = ImportJob.from_dict(upload.json())
    read = get_import.sync(slug, job.id, client=script)
    assert read is not None and read.id == job.id, read

    keys = list_api_keys.sync(slug, client=alice)
    assert keys.items[0].last_used_at, keys
