#!/usr/bin/env python3
"""Local stand-in for Lambda's instances of every function in infra/functions.toml.

`cargo lambda watch --only-lambda-apis` serves Lambda's Runtime and invoke APIs;
this starts INSTANCES processes of each function's debug build
(target/debug/<name>, built beforehand) against that Runtime API, with the
environment Lambda gives a function, and starts another when one exits, as
Lambda replaces an instance that crashed or was killed.

Why not let `cargo lambda watch` start them: each instance it starts goes
through cargo's build planning first (about 1.3 s of CPU per instance,
measured), with up to four instances of each of 42 functions, that was the
largest single cost of a test run. `make dev RELOAD=1` still uses it (it
rebuilds and restarts an instance on change).

  function_host.py --runtime-api http://127.0.0.1:PORT/.rt [--instances 2] [--env-file FILE]
                   [--exits-file FILE]

Every instance inherits this process's environment (the stack's) and, from
--env-file, KEY=VALUE lines (the functions' own RUST_LOG). Output goes to this
process's stdout. SIGTERM or SIGINT stops every instance.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECLARATIONS = ROOT / "infra" / "functions.toml"
BINARIES = ROOT / "target" / "debug"
DEFAULT_MEMORY = 256  # the template's Globals
# An instance that exits sooner than this after its start is crashing, not
# killed: the next one waits, so a broken build does not spin the machine.
CRASH_WINDOW = 2.0
CRASH_BACKOFF = 5.0


def log(message: str) -> None:
    print(f"function-host: {message}", flush=True)


def declared_functions() -> list[dict]:
    return tomllib.loads(DECLARATIONS.read_text())["function"]


def read_env_file(path: str | None) -> dict:
    if not path:
        return {}
    pairs = (line.split("=", 1) for line in Path(path).read_text().splitlines() if "=" in line)
    return {key.strip(): value for key, value in pairs}


class Instance:
    def __init__(self, function: dict, runtime_api: str, extra_env: dict, exits_file: str | None):
        self.exits_file = exits_file
        self.name = function["name"]
        self.binary = BINARIES / self.name
        self.env = dict(os.environ, **extra_env, **{
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.get("memory", DEFAULT_MEMORY)),
            # cargo lambda watch routes an instance's `next` by the name in its path.
            "AWS_LAMBDA_RUNTIME_API": f"{runtime_api}/{self.name}",
        })
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.not_before = 0.0

    def start(self) -> None:
        self.proc = subprocess.Popen([str(self.binary)], cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL)
        self.started = time.monotonic()

    def tend(self) -> None:
        """Start it again if it exited (after a pause when it keeps crashing)."""
        if self.proc is None or self.proc.poll() is None:
            return
        now = time.monotonic()
        if not self.not_before:
            crashed = now - self.started < CRASH_WINDOW
            log(f"{self.name} (pid {self.proc.pid}) exited with {self.proc.returncode}; starting another"
                + (f" in {CRASH_BACKOFF:.0f} s" if crashed else ""))
            if self.exits_file:
                with open(self.exits_file, "a") as exits:
                    exits.write(f"{self.name}\n")
            self.not_before = now + (CRASH_BACKOFF if crashed else 0.0)
        if now >= self.not_before:
            self.not_before = 0.0
            self.start()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runtime-api", required=True, help="http://HOST:PORT/.rt of cargo lambda watch --only-lambda-apis")
    p.add_argument("--instances", type=int, default=2, help="instances of each function")
    p.add_argument("--env-file", help="KEY=VALUE lines for every instance")
    p.add_argument("--exits-file", help="a line with the function's name for each instance that exits "
                   "(the stream pollers fail a call in flight at once, as Lambda does)")
    args = p.parse_args()
    extra = read_env_file(args.env_file)
    functions = declared_functions()
    missing = [f["name"] for f in functions if not (BINARIES / f["name"]).exists()]
    if missing:
        sys.exit(f"function-host: not built: {', '.join(missing)} (cargo build --workspace --bins)")

    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: stopping.append(signum))
    instances = [Instance(f, args.runtime_api, extra, args.exits_file)
                 for f in functions for _ in range(args.instances)]
    for instance in instances:
        instance.start()
    log(f"{len(instances)} instances of {len(functions)} functions ({args.instances} each)")
    while not stopping:
        for instance in instances:
            instance.tend()
        time.sleep(0.2)
    for instance in instances:
        instance.stop()
    deadline = time.monotonic() + 5
    for instance in instances:
        try:
            instance.proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            instance.proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
