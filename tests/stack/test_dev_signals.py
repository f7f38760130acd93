"""`make dev` stops everything it started on Ctrl-C (SIGINT), SIGTERM and SIGHUP
sent to its whole process group, as a terminal, `timeout`, a supervisor or an
IDE sends them.

For each signal: start `make dev` on free ports in a process group of its own,
wait until it is ready, call a function (an instance of it has served a
request), signal the group, then
assert that make exits, its ports are free, and no process is left that
inherited this test's label in ROSTER_STACK (every process of the stack does:
the stack adds its own id after the label). Needs no stack of its own."""

import os
import signal
import subprocess
import time
import urllib.request
import uuid

import pytest

import stack

ROOT = stack.ROOT
LOGS = ROOT / ".dev"


# The stack's own helpers (scripts/stack.py), not copies of them.
SCRIPT = stack._stack_script()
free_port, listening = SCRIPT.free_port, SCRIPT.listening


def labelled(label: str) -> list[int]:
    """Live processes whose ROSTER_STACK carries label."""
    return SCRIPT.marked(label)


def as_a_terminal_starts_it():
    # A process started with SIGINT ignored (a background job of a shell) cannot
    # trap it: restore the defaults a terminal gives, in a new process group.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    os.setsid()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_to_make_devs_process_group_stops_everything_it_started(sig):
    label = f"signal-test-{uuid.uuid4().hex[:12]}"
    api, emulator, oidc = free_port(), free_port(), free_port()
    LOGS.mkdir(exist_ok=True)
    log_path = LOGS / f"test-dev-signals.{sig.name}.{os.getpid()}.log"
    env = dict(os.environ, ROSTER_STACK=f"{os.environ.get('ROSTER_STACK', '')} {label}".strip())
    with open(log_path, "wb") as log:
        make = subprocess.Popen(["make", "-s", "dev", f"API_PORT={api}", f"EMULATOR_PORT={emulator}",
                                 f"OIDC_PORT={oidc}"],
                                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=as_a_terminal_starts_it)
    try:
        deadline = time.monotonic() + 600
        while b"ready." not in log_path.read_bytes() and make.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert b"ready." in log_path.read_bytes(), f"make dev did not get ready; log {log_path}"
        # A request to a public route, so that a function instance (its own
        # process group) is running: the gateway answers a route that needs a
        # token without one itself, and no function would start.
        urllib.request.urlopen(f"http://127.0.0.1:{api}/app", timeout=120).close()

        os.killpg(make.pid, sig)
        try:
            make.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.5)  # let the last processes go
        problems = []
        if make.poll() is None:
            problems.append("make is still running")
        if listening(api):
            problems.append(f"API port {api} still taken")
        if listening(emulator):
            problems.append(f"emulator port {emulator} still taken")
        if listening(oidc):
            problems.append(f"sign-in provider port {oidc} still taken")
        left = labelled(label)
        if left:
            ps = subprocess.run(["ps", "-o", "pid=,pgid=,args=", "-p", ",".join(map(str, left))],
                                capture_output=True, text=True).stdout
            problems.append("left running:\n" + "\n".join(line[:160] for line in ps.splitlines()))
        assert not problems, f"SIG{sig.name[3:]}: " + "; ".join(problems) + f" (log {log_path})"
        log_path.unlink()
    finally:
        for pid in labelled(label):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(make.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        make.wait()
