"""scripts/contract/client.py (make client, and its check in make test) fails
on what the generator skips or cuts unless it is listed with a reason, and on
a listed gap that is gone. The generation itself runs in make test's own step."""

import sys
from pathlib import Path

from openapi_python_client.parser.errors import ErrorLevel, GeneratorError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "contract"))
import client  # noqa: E402  (scripts/contract/client.py)

DOC = {"paths": {"/me/orgs": {"get": {"operationId": "listMyOrgs"}}}}


def test_an_unlisted_skip_a_stale_gap_and_a_missing_operation_are_each_a_problem(tmp_path):
    (tmp_path / client.PACKAGE / "api").mkdir(parents=True)
    (tmp_path / client.PACKAGE / "__init__.py").write_text("")
    skipped = GeneratorError(header="WARNING parsing GET /me/orgs within organizations. Endpoint will not be generated.",
                             detail="Unsupported content type application/xml", level=ErrorLevel.WARNING)
    found = client.problems(DOC, [skipped], tmp_path)
    assert found[0] == f"[warning] {skipped.header} {skipped.detail}"
    assert found[1].startswith("listed in GAPS but no longer reported (remove it): WARNING parsing POST /orgs/{org}/")
    assert found[2] == "GET /me/orgs (listMyOrgs): no module list_my_orgs.py was generated"
    assert len(found) == 3, found


def test_the_listed_gaps_alone_are_no_problem(tmp_path):
    (tmp_path / client.PACKAGE / "api" / "organizations").mkdir(parents=True)
    (tmp_path / client.PACKAGE / "__init__.py").write_text("")
    (tmp_path / client.PACKAGE / "api" / "organizations" / "list_my_orgs.py").write_text("")
    gaps = [GeneratorError(header=h, detail=d, level=ErrorLevel.WARNING) for h, d in client.GAPS]
    assert client.problems(DOC, gaps, tmp_path) == []
