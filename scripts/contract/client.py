#!/usr/bin/env python3
"""make client: a typed Python client for infra/openapi.yaml, generated with
openapi-python-client (pinned in requirements-dev.txt) into .dev/client/, the
package `roster_api_client` (docs/development.md says how to use it and why
this generator).

  .venv/bin/python scripts/contract/client.py [--out DIR] [--check] [--contract FILE]

Both fail when the generator skips or cuts anything not listed in GAPS below
(with its reason), when a listed gap is gone (take it off the list), when an
operation of the contract has no module, or when a generated module does not
import. --check (make test) generates into a temporary directory and removes it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser.errors import GeneratorError
from openapi_python_client.strings import snake_case

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "infra" / "openapi.yaml"
OUT = ROOT / ".dev" / "client"
PACKAGE = "roster_api_client"

# What the generator reports and leaves out, on purpose: (its header, its detail) -> why that is fine.
GAPS = {
    ("WARNING parsing POST /orgs/{org}/invitations within invitations.", "Unsupported content type text/csv"):
        "openapi-python-client has no text/csv request bodies, so invite_members takes the JSON form "
        "only; a CSV upload is sent as bytes through the same client's httpx client "
        "(client.get_httpx_client().post(..., content=csv, headers={'content-type': 'text/csv'})), "
        "its answer read with InviteResult.from_dict / ImportJob.from_dict",
}


def build(contract: Path, out: Path) -> list[GeneratorError]:
    """Generates the client into `out` (replacing it); the generator's warnings and errors."""
    # The generator's post hooks (ruff check --fix, ruff format) find ruff next to this Python.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    config = Config.from_sources(
        ConfigFile(project_name_override="roster-api-client", package_name_override=PACKAGE),
        MetaType.UV,
        contract,
        "utf-8",
        overwrite=True,
        output_path=out,
    )
    return list(generate(config=config))


def operations(doc: dict) -> list[tuple[str, str, str]]:
    ops = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                ops.append((method.upper(), path, op["operationId"]))
    return ops


def problems(doc: dict, errors: list[GeneratorError], out: Path) -> list[str]:
    found = []
    seen = set()
    for err in errors:
        key = (err.header, err.detail)
        if key in GAPS:
            seen.add(key)
        else:
            found.append(f"[{err.level.value.lower()}] {err.header} {err.detail or ''}".strip())
    for header, detail in GAPS.keys() - seen:
        found.append(f"listed in GAPS but no longer reported (remove it): {header} {detail}")
    package = out / PACKAGE
    if not package.is_dir():
        return found + [f"no package {PACKAGE} in {out}"]
    modules = {p.stem for p in (package / "api").rglob("*.py")}
    for method, path, op_id in operations(doc):
        if snake_case(op_id) not in modules:
            found.append(f"{method} {path} ({op_id}): no module {snake_case(op_id)}.py was generated")
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]  # another generation's, imported before
    sys.path.insert(0, str(out))
    try:
        root = importlib.import_module(PACKAGE)
        for info in pkgutil.walk_packages(root.__path__, PACKAGE + "."):
            try:
                importlib.import_module(info.name)
            except Exception as e:  # noqa: BLE001 (any failure to import is the finding)
                found.append(f"{info.name} does not import: {type(e).__name__}: {e}")
    finally:
        sys.path.remove(str(out))
    return found


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=OUT, help=f"where to write it (default {OUT.relative_to(ROOT)})")
    p.add_argument("--check", action="store_true", help="generate into a temporary directory, then remove it")
    p.add_argument("--contract", type=Path, default=CONTRACT, help="the OpenAPI document (default infra/openapi.yaml)")
    args = p.parse_args()
    doc = yaml.safe_load(args.contract.read_text())
    scratch = Path(tempfile.mkdtemp(prefix="roster-client-")) if args.check else None
    out = scratch / "client" if scratch else args.out.resolve()
    try:
        started = time.monotonic()
        errors = build(args.contract, out)
        found = problems(doc, errors, out)
        took = time.monotonic() - started
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    for (header, detail), why in GAPS.items():
        print(f"known gap: {header} {detail}: {why}")
    if found:
        print(f"openapi-python-client on {os.path.relpath(args.contract)}: {len(found)} problem(s):", file=sys.stderr)
        for line in found:
            print(f"  {line}", file=sys.stderr)
        return 1
    where = "checked, not kept" if scratch else f"in {os.path.relpath(out)} (import {PACKAGE})"
    print(f"client: {len(operations(doc))} operations generated and imported, {len(GAPS)} known gap(s), {took:.1f} s; {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
