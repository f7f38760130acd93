#!/usr/bin/env python3
"""The local stack, the one way to start it: make dev, make test, make bench and make fuzz use it.

  stack.py up   [OPTIONS]            start it, serve until Ctrl-C / SIGTERM / SIGHUP, then stop everything
  stack.py up --detach [OPTIONS]     start it, print its environment (`export` lines) and leave it running
  stack.py run  [OPTIONS] -- CMD...  start it, run CMD in its environment, stop it; exit with CMD's status
  stack.py down [ID...]              stop these stacks (default: every detached or left-behind one)

What it starts:
  - moto (scripts/moto_locked.py) for DynamoDB and its streams, and SES on a moto
    of its own (reading sent mail serializes a whole emulator: apart from the
    table it stays small and fast), or on the same one with --one-emulator;
  - the table and the sender identity (scripts/bootstrap.py);
  - unless --emulators-only:
    - the local OpenID Connect provider (scripts/oidc/server.mjs; npm ci on
      first use), which signs every token people and tests use;
    - `cargo lambda watch` serving Lambda's Runtime and invoke APIs on an internal
      port, and scripts/function_host.py running two instances of every function
      against it (with --reload, cargo lambda watch runs them itself);
    - the local API Gateway (scripts/gateway.py) on the API port: the routes
      of infra/functions.toml, the authorize function before each (ID tokens
      from that provider, API keys), and
      Lambda's invoke API passed through to cargo lambda watch;
    - the stream pollers that stand in for the table's triggers
      (scripts/trigger_poller.py, one per stream-driven function, with its declared filter).

Options:
  --emulators-only        no pollers, no functions (the Rust tests call the handlers themselves)
  --shards N              with --emulators-only: N pairs of emulators (DynamoDB, SES), each with
                          the table, listed in EMULATOR_SHARDS; the Rust tests spread over them
                          (one moto is one core: a single one left the second core idle)
  --api-port N            where the gateway listens (default: a free port)
  --oidc-port N           where the OpenID Connect provider listens (default: a free port)
  --emulator-port N       DynamoDB's moto (default: a free port)
  --reuse-emulator        use an emulator already answering on --emulator-port as it is
  --one-emulator          SES on the DynamoDB emulator too
  --table NAME            the table (default roster-stack)
  --name NAME             labels the stack's id and its runtime files (default stack)
  --functions-log LEVEL   the functions' RUST_LOG, apart from cargo lambda watch's own
  --reload                hot reload (every function instance watches the tree)

The environment the functions, CMD and tests see, one variable per service:
  ROSTER_API_URL          the HTTP API, the console (/app) and Lambda's invoke API (not with --emulators-only)
  ROSTER_OIDC_ISSUER      the OpenID Connect provider (tokens: scripts/oidc_token.py), whose ID
                          tokens for ROSTER_OIDC_AUDIENCE the authorize function accepts; the
                          console's ROSTER_OIDC_CLIENT_ID, _AUTHORIZE_URL and _TOKEN_URL point at it
  AWS_ENDPOINT_URL        DynamoDB and its streams
  AWS_ENDPOINT_URL_SESV2  SES (sent mail: $AWS_ENDPOINT_URL_SESV2/moto-api/data.json)
  ROSTER_TABLE, ROSTER_MAIL_FROM, ROSTER_WEB_URL, AWS_REGION and
  credentials (moto takes any), as the functions read them
  ROSTER_STACK            the ids of the stacks a process runs in, innermost last
  EMULATOR_SHARDS         with --shards: "DYNAMODB_URL|SES_URL" per shard, space-separated
                          (the first is AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_SESV2)

Runtime files go to .dev/<id>/: state.json, moto-<port>.log, the provider's
keys (oidc-keys.json; make dev keeps its own in .dev/oidc/), and stack.log (the
provider, the gateway, the pollers, cargo lambda watch and the functions; `up` without --detach writes them to the
terminal). `run` removes them when CMD passes and names them when it fails.

Stopping: every process the stack starts inherits ROSTER_STACK naming it.
Stopping signals (TERM, up to 10 s, KILL) the process groups the stack spawned,
then every process still carrying its id, wherever it is (with --reload `cargo
lambda watch` runs each function instance in a process group of its own, and a
function being compiled is a tree of cargo and rustc), then its emulators. A signal during
start or run stops everything the same way. Standard library only (Linux /proc).
"""

import argparse
import fcntl
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / ".dev"
SCRIPTS = ROOT / "scripts"
VENV_BIN = ROOT / ".venv" / "bin"
PY = str(VENV_BIN / "python")
MARKER = "ROSTER_STACK"
OIDC_DIR = SCRIPTS / "oidc"
# Instances of each function (scripts/function_host.py); with --reload, cargo
# lambda watch starts up to 4 on demand.
INSTANCES = 2
OIDC_CLIENT_ID = "roster-console"  # the provider's one client: the console, and the gateway's audience
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Set by the signal handler; every wait checks it (the handler raises nothing,
# so a second signal can never cut the stopping short).
_signalled: int | None = None


class StackError(Exception):
    pass


class Stopped(Exception):
    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _on_signal(signum, _frame):
    global _signalled
    _signalled = _signalled or signum


def check_signal() -> None:
    if _signalled:
        raise Stopped(_signalled)


def say(message: str) -> None:
    print(f"stack: {message}", file=sys.stderr, flush=True)


# -- processes ---------------------------------------------------------------


def alive(pid: int) -> bool:
    """Running: not gone, not a zombie."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
    except OSError:
        return False


def marked(stack_id: str) -> list[int]:
    """Live processes (other than this one) whose ROSTER_STACK names stack_id."""
    found = []
    prefix = f"{MARKER}=".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
        except OSError:  # gone, or not ours to read
            continue
        for var in environ.split(b"\0"):
            if var.startswith(prefix) and stack_id.encode() in var[len(prefix):].split():
                if alive(int(entry)):
                    found.append(int(entry))
                break
    return found


def group_members(pgid: int) -> list[int]:
    """Live processes of process group pgid."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
    return members


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child (or already reaped)
        pass


def stop_groups(pgids: list[int], grace: float = 10.0) -> None:
    """SIGTERM the process groups, wait up to `grace` seconds, SIGKILL what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pgid in pgids:
            try:
                os.killpg(pgid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            for pgid in pgids:
                _reap(pgid)
            if not any(group_members(p) for p in pgids):
                return
            time.sleep(0.1)
        grace = 2.0


def stop_marked(stack_id: str, spare: frozenset[int] = frozenset(), grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL, every process carrying stack_id but those in `spare`."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        left = [p for p in marked(stack_id) if p not in spare]
        for pid in left:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            for pid in left:
                _reap(pid)
            left = [p for p in marked(stack_id) if p not in spare]
        if not left:
            return


# -- network -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def answers(url: str) -> bool:
    """Something speaks HTTP at url (any status counts)."""
    try:
        urllib.request.urlopen(url, timeout=1).close()
        return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


# -- emulator and bootstrap (also used by tests/stack to restart the emulator) --


def start_moto(port: int, log: Path, env: dict) -> subprocess.Popen:
    """moto on port, in a process group of its own, once it answers."""
    if listening(port):
        raise StackError(f"port {port} is already taken")
    with open(log, "ab") as out:
        proc = subprocess.Popen([PY, str(SCRIPTS / "moto_locked.py"), "-H", "127.0.0.1", "-p", str(port)],
                                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while not answers(f"http://127.0.0.1:{port}/moto-api/"):
        if proc.poll() is not None:
            raise StackError(f"moto on {port} exited with {proc.returncode}; see {log}")
        if time.monotonic() > deadline:
            stop_groups([proc.pid])
            raise StackError(f"moto on {port} did not answer within 30 s; see {log}")
        check_signal()
        time.sleep(0.2)
    return proc


def bootstrap(env: dict) -> None:
    """The table and the sender identity (idempotent)."""
    done = subprocess.run([PY, str(SCRIPTS / "bootstrap.py")], cwd=ROOT, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        raise StackError(f"bootstrap failed:\n{done.stdout}{done.stderr}")


def runtime_dir(stack_id: str) -> Path:
    return DEV / stack_id


# -- the stack -----------------------------------------------------------------


class Stack:
    def __init__(self, opts: argparse.Namespace, log_to_file: bool):
        self.opts = opts
        self.id = f"{opts.name}-{os.getpid()}-{secrets.token_hex(2)}"
        self.dir = runtime_dir(self.id)
        self.log = self.dir / "stack.log" if log_to_file else None
        self.groups: list[int] = []  # process groups spawned (pollers, cargo lambda watch)
        self.procs: list[subprocess.Popen] = []
        self.emulators: list[dict] = []  # {"port", "pid"} of the emulators this stack started
        self.reused_emulator = False  # --reuse-emulator found one answering
        self.emulator_port = opts.emulator_port or free_port()
        self.mail_port = self.emulator_port if opts.one_emulator else free_port()
        self.api_port = None if opts.emulators_only else (opts.api_port or free_port())
        # cargo lambda watch, behind the gateway; the provider
        self.watch_port = None if opts.emulators_only else free_port()
        self.oidc_port = None if opts.emulators_only else (opts.oidc_port or free_port())
        self.webhook_port = None if opts.emulators_only else free_port()
        if opts.shards > 1 and not opts.emulators_only:
            raise StackError("--shards is for --emulators-only (the functions read one table)")
        # (DynamoDB port, SES port) of every shard after the first
        self.more_shards = [(free_port(), free_port()) for _ in range(max(opts.shards, 1) - 1)]
        self.env = self._environment()

    def _environment(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AWS_ENDPOINT_URL_") and k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN",
                                                                      "ROSTER_API_URL")}
        mail = f"http://127.0.0.1:{self.mail_port}"
        env.update({
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.emulator_port}",
            "AWS_ENDPOINT_URL_SESV2": mail,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",  # moto takes any keys: nothing here is a credential
            "AWS_SECRET_ACCESS_KEY": "testing",
            "ROSTER_TABLE": self.opts.table,
            "ROSTER_MAIL_FROM": "noreply@roster.local",
            "ROSTER_WEB_URL": f"http://127.0.0.1:{self.api_port or 9000}/app",  # the mails link to the console
            MARKER: f"{os.environ.get(MARKER, '')} {self.id}".strip(),
            "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",  # `cargo lambda` finds the venv's cargo-lambda
            "RUST_LOG": os.environ.get("RUST_LOG") or "info",
        })
        if self.api_port:
            env["ROSTER_API_URL"] = f"http://127.0.0.1:{self.api_port}"
            env.update({
                # The emulator's bus (bootstrap creates it) and a signing key
                # that is no secret: both local only.
                "ROSTER_EVENT_BUS": "roster-events",
                "ROSTER_WEBHOOK_SIGNING_KEY": "local-development-only-webhook-signing-key",
                # The one origin webhooks may call over plain HTTP on this
                # machine (tests run their receiver there; never deployed).
                "ROSTER_WEBHOOK_ALLOW_ORIGINS": f"http://127.0.0.1:{self.webhook_port}",
            })
            issuer = f"http://127.0.0.1:{self.oidc_port}"
            env.update({
                "ROSTER_OIDC_ISSUER": issuer,
                "ROSTER_OIDC_CLIENT_ID": OIDC_CLIENT_ID,
                "ROSTER_OIDC_AUDIENCE": OIDC_CLIENT_ID,  # the authorize function's accepted aud
                "ROSTER_OIDC_AUTHORIZE_URL": f"{issuer}/auth",
                "ROSTER_OIDC_TOKEN_URL": f"{issuer}/token",
            })
        if self.more_shards:
            shards = [(self.emulator_port, self.mail_port), *self.more_shards]
            env["EMULATOR_SHARDS"] = " ".join(f"http://127.0.0.1:{d}|http://127.0.0.1:{m}" for d, m in shards)
        return env

    def exports(self) -> dict:
        """The variables this stack sets (what a caller needs to use it)."""
        keys = [k for k in self.env if k.startswith(("AWS_", "ROSTER_")) or k == "RUST_LOG"]
        return {k: self.env[k] for k in sorted(keys)}

    def save(self, detached: bool = False) -> None:
        state = {"id": self.id, "owner": None if detached else os.getpid(), "groups": self.groups,
                 "emulators": self.emulators, "env": self.exports()}
        tmp = self.dir / "state.json.tmp"
        tmp.write_text(json.dumps(state, indent=1))
        tmp.replace(self.dir / "state.json")

    def spawn(self, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        """argv in a process group of its own; output to the stack log or the terminal."""
        out = open(self.log, "ab") if self.log else None
        try:
            proc = subprocess.Popen(argv, cwd=ROOT, env=env or self.env, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT if out else None,
                                    start_new_session=True)
        finally:
            if out:
                out.close()
        self.groups.append(proc.pid)
        self.procs.append(proc)
        self.save()
        return proc

    def wait_for(self, argv: list[str]) -> None:
        """Run argv in the foreground (our process group), stopped with us on a signal."""
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL)
        try:
            while proc.poll() is None:
                check_signal()
                time.sleep(0.2)
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
        if proc.returncode != 0:
            raise StackError(f"{shlex.join(argv)} exited with {proc.returncode}")

    def up(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.save()
        if not Path(PY).exists():
            raise StackError(f"{PY} is missing: run `make venv`")
        if self.api_port and listening(self.api_port):
            raise StackError(f"127.0.0.1:{self.api_port} is already in use (another make dev? make dev API_PORT=...)")
        if self.oidc_port and listening(self.oidc_port):
            raise StackError(f"127.0.0.1:{self.oidc_port} is already in use (another make dev? make dev OIDC_PORT=...)")
        ports = [self.emulator_port] if self.mail_port == self.emulator_port else [self.emulator_port, self.mail_port]
        for port in ports:
            if self.opts.reuse_emulator and port == self.emulator_port and answers(f"http://127.0.0.1:{port}/"):
                say(f"reusing the emulator already answering on 127.0.0.1:{port}")
                self.reused_emulator = True
                continue
            proc = start_moto(port, self.dir / f"moto-{port}.log", self.env)
            self.emulators.append({"port": port, "pid": proc.pid})
            self.procs.append(proc)
            self.save()
        bootstrap(self.env)
        for dynamodb, ses in self.more_shards:
            for port in (dynamodb, ses):
                proc = start_moto(port, self.dir / f"moto-{port}.log", self.env)
                self.emulators.append({"port": port, "pid": proc.pid})
                self.procs.append(proc)
                self.save()
            bootstrap({**self.env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{dynamodb}",
                       "AWS_ENDPOINT_URL_SESV2": f"http://127.0.0.1:{ses}"})
        if self.api_port:
            self._functions_up()

    def _functions_up(self) -> None:
        # Every function is built once up front: otherwise each of the
        # --concurrency instances of a function runs its own `cargo run` on its
        # first request, all queueing on cargo's lock.
        say("building the functions (the first time takes a few minutes)")
        self.wait_for(["cargo", "build", "--workspace", "--bins", "--quiet"])
        self._provider_up()
        invoke = f"http://127.0.0.1:{self.watch_port}/2015-03-31/functions"
        exits = self.dir / "instance-exits"  # function_host.py notes each instance that exits
        # Each stream-driven function gets the records its declared filter keeps.
        # On the stack's own emulator the pollers read the stream from its
        # start: the first writes may come before a poller's first read, and
        # starting at the end skipped them (a lost invitation mail under load).
        # A reused emulator's stream holds what the last `make dev` handled.
        start = [] if self.reused_emulator else ["--from-start"]
        for function in ("deliver-email", "import-worker", "publish-events", "deliver-webhooks"):
            self.spawn([PY, "-u", str(SCRIPTS / "trigger_poller.py"), "--function", function, "--invoke", invoke]
                       + (["--margin", "20"] if self.opts.reload else ["--exits-file", str(exits)]) + start)
        watch = ["cargo", "lambda", "watch", "--invoke-address", "127.0.0.1", "--invoke-port", str(self.watch_port)]
        env_file = None
        if self.opts.functions_log:
            # An env file: --env-var splits its value at commas.
            env_file = self.dir / "functions.env"
            env_file.write_text(f"RUST_LOG={self.opts.functions_log}\n")
        if self.opts.reload:
            # cargo lambda watch starts the instances and rebuilds them on change.
            watch += ["--concurrency", "4"] + (["--env-file", str(env_file)] if env_file else [])
        else:
            # Only Lambda's APIs: scripts/function_host.py starts the instances
            # (cargo lambda watch plans a build for every instance it starts).
            watch += ["--only-lambda-apis"]
        # (tokio_graceful_shutdown=warn: cargo lambda otherwise dumps its whole config when it stops)
        watch_env = dict(self.env, RUST_LOG=f"{self.env['RUST_LOG']},tokio_graceful_shutdown=warn")
        proc = self.spawn(watch, watch_env)
        self._wait_listening(proc, self.watch_port, "cargo lambda watch", 120)
        if not self.opts.reload:
            self.spawn([PY, "-u", str(SCRIPTS / "function_host.py"), "--runtime-api",
                        f"http://127.0.0.1:{self.watch_port}/.rt", "--instances", str(INSTANCES),
                        "--exits-file", str(exits)]
                       + (["--env-file", str(env_file)] if env_file else []))
        gateway = self.spawn([PY, "-u", str(SCRIPTS / "gateway.py"), "--port", str(self.api_port),
                              "--invoke-url", f"http://127.0.0.1:{self.watch_port}"])
        self._wait_listening(gateway, self.api_port, "the gateway", 30)

    def _provider_up(self) -> None:
        """The OpenID Connect provider, its packages installed on first use."""
        # Stacks start side by side (make test runs two): one installs while
        # the others wait, and `npm ci` empties node_modules first, so
        # "installed" is the stamp written after it succeeded, not the folder.
        installed = OIDC_DIR / "node_modules" / ".roster-installed"
        with open(DEV / "oidc-install.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not installed.is_file():
                say("installing the local OpenID Connect provider (npm ci in scripts/oidc)")
                self.wait_for(["npm", "ci", "--prefix", str(OIDC_DIR), "--no-audit", "--no-fund", "--loglevel=error"])
                installed.touch()
        # make dev keeps its keys (tokens survive a restart); private stacks their own
        keys = DEV / "oidc" / "keys.json" if self.opts.name == "dev" else self.dir / "oidc-keys.json"
        redirects = ",".join(f"http://{host}:{self.api_port}/app/callback" for host in ("127.0.0.1", "localhost"))
        proc = self.spawn(["node", str(OIDC_DIR / "server.mjs"), "--port", str(self.oidc_port),
                           "--issuer", self.env["ROSTER_OIDC_ISSUER"], "--client-id", OIDC_CLIENT_ID,
                           "--redirect-uris", redirects, "--keys-file", str(keys)])
        self._wait_listening(proc, self.oidc_port, "the OpenID Connect provider", 30)

    def _wait_listening(self, proc: subprocess.Popen, port: int, what: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not listening(port):
            if proc.poll() is not None:
                raise StackError(f"{what} exited with {proc.returncode}")
            if time.monotonic() > deadline:
                raise StackError(f"{what} did not listen on {port} within {seconds:.0f} s")
            check_signal()
            time.sleep(0.3)

    def down(self) -> None:
        """Idempotent; only what this stack started. The emulators go last, so the pollers end cleanly."""
        stop_groups(self.groups)
        emulators = frozenset(e["pid"] for e in self.emulators)
        stop_marked(self.id, spare=emulators)
        stop_groups(list(emulators), grace=5.0)
        stop_marked(self.id)  # anything started meanwhile (an emulator a test restarted)
        for proc in self.procs:
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        self.groups, self.emulators, self.procs = [], [], []

    def banner(self) -> str:
        lines = [f"stack {self.id}: ready."]
        if self.api_port:
            api = self.env["ROSTER_API_URL"]
            lines += [
                f"  Console: {api}/app (open it in a browser; sign in, or up, as any address)",
                f"  API and Lambda's invoke API: ROSTER_API_URL={api} "
                f"({'up to 4' if self.opts.reload else INSTANCES} instances per function)",
                f"  Sign-in: ROSTER_OIDC_ISSUER={self.env['ROSTER_OIDC_ISSUER']} "
                f"(an ID token without a browser: make token EMAIL=alice@example.com)",
            ]
        lines += [
            f"  DynamoDB: AWS_ENDPOINT_URL={self.env['AWS_ENDPOINT_URL']}, table ROSTER_TABLE={self.opts.table}",
            f"  SES: AWS_ENDPOINT_URL_SESV2={self.env['AWS_ENDPOINT_URL_SESV2']} "
            f"(sent mail: make mail, or {self.env['AWS_ENDPOINT_URL_SESV2']}/moto-api/data.json)",
            f"  Runtime files: {self.dir.relative_to(ROOT)}/",
        ]
        return "\n".join(lines)


# -- commands ------------------------------------------------------------------


def _install_handlers() -> None:
    for sig in SIGNALS:
        signal.signal(sig, _on_signal)


def _ignore_signals() -> None:
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def cmd_up(opts: argparse.Namespace) -> int:
    _install_handlers()
    stack = Stack(opts, log_to_file=opts.detach)
    detached = clean = False
    try:
        stack.up()
        if opts.detach:
            stack.save(detached=True)
            detached = True
            for key, value in stack.exports().items():
                print(f"export {key}={shlex.quote(value)}")
            say(f"{stack.id} runs detached; stop it with: scripts/stack.py down {stack.id}")
            return 0
        print(stack.banner(), flush=True)
        if stack.api_port:
            api = stack.env["ROSTER_API_URL"]
            print("  Try:\n"
                  f"curl -s -X POST {api}/orgs -H \"Authorization: Bearer $(make -s token EMAIL=alice@example.com)\" "
                  "-H 'content-type: application/json' -d '{\"slug\":\"acme\",\"name\":\"Acme\",\"seat_limit\":5}'\n"
                  "  One function on a sample event: make invoke FN=sweep\n"
                  "  Code changes need a restart (make dev RELOAD=1 reloads on change). Ctrl-C stops everything.",
                  flush=True)
        while True:  # until a signal, or until one of them exits
            check_signal()
            ended = next((p for p in stack.procs if p.poll() is not None), None)
            if ended:
                say(f"{shlex.join(map(str, ended.args))} exited with {ended.returncode}")
                return 1
            time.sleep(0.2)
    except Stopped as stop:
        clean = True
        return 128 + stop.signum
    except StackError as err:
        if _signalled:  # a step the signal reached first (Ctrl-C reaches our whole group)
            clean = True
            return 128 + _signalled
        say(str(err))
        return 1
    finally:
        _ignore_signals()
        if not detached:
            say("stopping")
            stack.down()
            if clean:
                shutil.rmtree(stack.dir, ignore_errors=True)
            else:
                say(f"runtime files kept: {stack.dir.relative_to(ROOT)}/")


def cmd_run(opts: argparse.Namespace) -> int:
    if not opts.cmd:
        say("usage: stack.py run [OPTIONS] -- CMD [ARGS...]")
        return 2
    _install_handlers()
    stack = Stack(opts, log_to_file=True)
    status = 1
    try:
        ports = f"API {stack.env['ROSTER_API_URL']}, " if stack.api_port else ""
        say(f"{stack.id}: {ports}DynamoDB {stack.env['AWS_ENDPOINT_URL']} (table {opts.table}), "
            f"SES {stack.env['AWS_ENDPOINT_URL_SESV2']}; runtime files {stack.dir.relative_to(ROOT)}/")
        stack.up()
        # CMD stays in our process group (Ctrl-C reaches it too) and carries the
        # marker, so stopping the stack on a signal stops it with the rest.
        try:
            proc = subprocess.Popen(opts.cmd, env=stack.env)
        except OSError as err:
            say(f"cannot run {opts.cmd[0]}: {err}")
            status = 127
            return status
        while proc.poll() is None:
            check_signal()
            time.sleep(0.1)
        check_signal()  # CMD may have ended of the same signal (our process group)
        status = proc.returncode
        return status
    except Stopped as stop:
        status = 128 + stop.signum
        return status
    except StackError as err:
        status = 128 + _signalled if _signalled else 1
        if not _signalled:
            say(str(err))
        return status
    finally:
        _ignore_signals()
        stack.down()
        if status == 0:
            shutil.rmtree(stack.dir, ignore_errors=True)
        else:
            say(f"exit {status}; logs: {stack.dir.relative_to(ROOT)}/")


def down(stack_id: str) -> None:
    """Stop a stack from its runtime files (it need not be ours), then remove them."""
    try:
        state = json.loads((runtime_dir(stack_id) / "state.json").read_text())
    except (OSError, ValueError):
        state = {}
    stop_groups(state.get("groups", []))
    emulators = frozenset(e["pid"] for e in state.get("emulators", []))
    stop_marked(stack_id, spare=emulators)
    stop_groups(list(emulators), grace=5.0)
    stop_marked(stack_id)
    shutil.rmtree(runtime_dir(stack_id), ignore_errors=True)


def _owned(state_file: Path) -> bool:
    """A stack whose owner (`up` in the foreground, `run`) still runs: it stops itself."""
    try:
        owner = json.loads(state_file.read_text()).get("owner")
    except (OSError, ValueError):
        return False
    return bool(owner) and alive(owner)


def cmd_down(opts: argparse.Namespace) -> int:
    _ignore_signals()
    ids = opts.ids or sorted(p.parent.name for p in DEV.glob("*/state.json") if not _owned(p))
    for stack_id in ids:
        if "/" in stack_id or stack_id in ("", ".", ".."):
            say(f"not a stack id: {stack_id!r}")
            return 2
        down(stack_id)
        say(f"stopped {stack_id}")
    return 0


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    def stack_options(q: argparse.ArgumentParser) -> None:
        q.add_argument("--emulators-only", action="store_true")
        q.add_argument("--api-port", type=int)
        q.add_argument("--oidc-port", type=int)
        q.add_argument("--emulator-port", type=int)
        q.add_argument("--reuse-emulator", action="store_true")
        q.add_argument("--one-emulator", action="store_true")
        q.add_argument("--shards", type=int, default=1)
        q.add_argument("--table", default="roster-stack")
        q.add_argument("--name", default="stack")
        q.add_argument("--functions-log", metavar="LEVEL")
        q.add_argument("--reload", action="store_true")

    up = sub.add_parser("up", help="start; serve until a signal (or --detach)")
    stack_options(up)
    up.add_argument("--detach", action="store_true")
    up.set_defaults(func=cmd_up)
    run = sub.add_parser("run", help="start, run CMD, stop")
    stack_options(run)
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    run.set_defaults(func=cmd_run)
    dn = sub.add_parser("down", help="stop detached or left-behind stacks")
    dn.add_argument("ids", nargs="*")
    dn.set_defaults(func=cmd_down)

    opts = p.parse_args(argv)
    if getattr(opts, "cmd", None) and opts.cmd[0] == "--":
        opts.cmd = opts.cmd[1:]
    if getattr(opts, "name", None) and not opts.name.replace("-", "").replace("_", "").isalnum():
        p.error("--name: letters, digits, - and _ only")
    status = opts.func(opts)
    if _signalled and status == 128 + _signalled:
        # Die of the signal, once stopped: a shell running us (make test's
        # steps) then stops too, as it does when its child is interrupted.
        signal.signal(_signalled, signal.SIG_DFL)
        os.kill(os.getpid(), _signalled)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
