"""What the deployed console is, read from infra/template.yaml, and what the
local one answers over HTTP."""

import gzip
from pathlib import Path

from cfnlint.decode import cfn_yaml
from local_router import get

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = cfn_yaml.loads((ROOT / "infra" / "template.yaml").read_text())


def functions():
    return {name: r for name, r in TEMPLATE["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def http_events(resource):
    return [e["Properties"] for e in resource["Properties"].get("Events", {}).values() if e["Type"] == "HttpApi"]


def test_the_template_routes_no_dev_sign_in_and_only_gets_to_the_console():
    console = functions()["Console"]
    routes = {(e["Method"], e["Path"]) for e in http_events(console)}
    assert routes == {("GET", "/app"), ("GET", "/app/{proxy+}")}
    for name, fn in functions().items():
        for event in http_events(fn):
            assert "/dev" not in event["Path"], (name, event["Path"])
            if event["Path"].startswith("/app"):
                assert name == "Console" and event["Method"] == "GET", (name, event)


def test_the_console_signs_in_with_oidc_when_deployed():
    variables = functions()["Console"]["Properties"]["Environment"]["Variables"]
    assert set(variables) == {"ROSTER_OIDC_CLIENT_ID", "ROSTER_OIDC_AUTHORIZE_URL", "ROSTER_OIDC_TOKEN_URL"}


def test_no_api_route_is_under_the_console_prefix():
    for name, fn in functions().items():
        if name == "Console":
            continue
        for event in http_events(fn):
            assert not event["Path"].startswith("/app"), (name, event["Path"])




def test_pages_and_every_asset_they_load_carry_the_security_headers(api_url):
    import re

    status, headers, body = get(f"{api_url}/app")
    assert status == 200
    assets = re.findall(r'(?:src|href)="(/app/assets/[^"]+)"', body.decode())
    _, _, reference = get(f"{api_url}/app/api")
    assets += re.findall(r'(?:src|href)="(/app/assets/[^"]+)"', reference.decode())
    assert len(assets) >= 5, assets
    for path in ["/app", "/app/api", "/app/api/openapi.yaml", *assets]:
        # As browsers ask: the large vendored files then come gzipped.
        status, headers, body = get(api_url + path, {"accept-encoding": "gzip"})
        assert status == 200, path
        if path.endswith("/vendor/swagger-ui-bundle.js"):
            assert headers["content-encoding"] == "gzip", path
            on_disk = ROOT / "console" / "web" / "assets" / "vendor" / "swagger-ui-bundle.js"
            assert gzip.decompress(body) == on_disk.read_bytes()
        assert headers["content-security-policy"].startswith("default-src 'self';"), path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["referrer-policy"] == "no-referrer", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["etag"], path


def test_the_first_page_is_small(api_url):
    """What a first visit to the console downloads (uncompressed): the page,
    its stylesheet and every ES module it imports, transitively."""
    import re

    status, _, page = get(f"{api_url}/app")
    total = len(page)
    seen = set()
    queue = re.findall(r'(?:src|href)="(/app/assets/[^"]+\.(?:js|css))"', page.decode())
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        _, _, body = get(api_url + path)
        total += len(body)
        base = path.rsplit("/", 1)[0]
        queue += [f"{base}/{name}" for name in re.findall(r'from "\./([^"]+)"', body.decode())]
    print(f"first page: {len(seen) + 1} files, {total} bytes")
    assert total < 80_000, total


def test_sam_deploy_guided_asks_only_for_the_sender_the_console_url_and_the_alarm_topic():
    # Sign-in needs nothing external: no issuer named means a user pool is created.
    required = {name for name, p in TEMPLATE["Parameters"].items() if "Default" not in p}
    assert required == {"MailFrom", "WebUrl", "AlarmTopicArn"}
    assert TEMPLATE["Parameters"]["JwtIssuer"]["Default"] == ""
    assert TEMPLATE["Conditions"]["CreateUserPool"] == {"Fn::Equals": [{"Ref": "JwtIssuer"}, ""]}


def test_without_an_issuer_the_created_user_pool_signs_people_up_and_the_api_trusts_only_its_console_client():
    resources = TEMPLATE["Resources"]
    pool = resources["UserPool"]
    assert pool["Condition"] == "CreateUserPool"
    assert pool["Properties"]["UsernameAttributes"] == ["email"]
    assert pool["Properties"]["AutoVerifiedAttributes"] == ["email"]  # sign-up proves the address
    assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    client = resources["ConsoleClient"]["Properties"]
    assert client["GenerateSecret"] is False and client["AllowedOAuthFlows"] == ["code"]
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email"}
    assert client["CallbackURLs"] == [{"Fn::Sub": "${WebUrl}/callback"}]
    # The API's one authorizer, the authorize function, not cached (a revoked key stops at once),
    # trusting the pool's tokens for the console's client, or the named issuer's.
    auth = resources["HttpApi"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "RosterAuthorizer"
    authorizer = auth["Authorizers"]["RosterAuthorizer"]
    assert authorizer["FunctionArn"] == {"Fn::GetAtt": ["Authorize", "Arn"]}
    assert authorizer["EnableSimpleResponses"] is True and authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["Identity"] == {"Headers": ["Authorization"], "ReauthorizeEvery": 0}
    env = functions()["Authorize"]["Properties"]["Environment"]["Variables"]
    assert env["ROSTER_OIDC_ISSUER"]["Fn::If"][0] == "CreateUserPool"
    assert env["ROSTER_OIDC_ISSUER"]["Fn::If"][1] == {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"}
    assert env["ROSTER_OIDC_AUDIENCE"] == {
        "Fn::If": ["CreateUserPool", {"Ref": "ConsoleClient"}, {"Fn::Join": [",", {"Ref": "JwtAudience"}]}]}
    console = functions()["Console"]["Properties"]["Environment"]["Variables"]
    assert console["ROSTER_OIDC_CLIENT_ID"] == {"Fn::If": ["CreateUserPool", {"Ref": "ConsoleClient"}, {"Ref": "OidcClientId"}]}
    for name, path in (("ROSTER_OIDC_AUTHORIZE_URL", "/oauth2/authorize"), ("ROSTER_OIDC_TOKEN_URL", "/oauth2/token")):
        hosted = console[name]["Fn::If"][1]["Fn::Sub"]
        assert hosted.startswith("https://${UserPoolDomain}.auth.") and hosted.endswith(path), hosted
    # Naming an issuer without the console's client is refused before anything is created.
    assertions = TEMPLATE["Rules"]["YourIssuerNeedsTheConsolesClient"]["Assertions"]
    assert len(assertions) == 4
