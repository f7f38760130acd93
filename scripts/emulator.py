#!/usr/bin/env python3
"""Start and stop the local AWS emulator (moto in server mode) for make dev / make test.

  emulator.py up   --port 4566 [--host 127.0.0.1] --pidfile F --log F [--reuse]
  emulator.py down --pidfile F
  emulator.py free-port

`up` starts moto (scripts/moto_locked.py: one request at a time) (this interpreter: run it with .venv/bin/python)
in its own process group, writes its pid to --pidfile and waits until it answers
HTTP. With --reuse, an emulator already answering on that port (moto or LocalStack)
is used as it is, and no pidfile is written, so `down` leaves it alone.
`down` stops only what `up` started (the pid in --pidfile).
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def answers(url: str) -> bool:
    """True when something speaks HTTP at url (any status counts)."""
    try:
        urllib.request.urlopen(url, timeout=1).close()
        return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def up(args: argparse.Namespace) -> int:
    url = f"http://{args.host}:{args.port}/"
    if answers(url):
        if args.reuse:
            if os.path.exists(args.pidfile):
                os.remove(args.pidfile)  # stale (left by a killed run): that one is not ours to stop now
            print(f"emulator: reusing the one already answering on {url}")
            return 0
        print(f"emulator: {url} is already taken", file=sys.stderr)
        return 1
    if port_in_use(args.host, args.port):
        print(f"emulator: port {args.port} is taken by something that is not HTTP", file=sys.stderr)
        return 1

    os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
    with open(args.log, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(__file__), "moto_locked.py"),
             "-H", args.host, "-p", str(args.port)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: Ctrl-C in the terminal does not reach it
        )
    with open(args.pidfile, "w") as f:
        f.write(f"{proc.pid}\n")

    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            print(f"emulator: moto exited with {proc.returncode}; see {args.log}", file=sys.stderr)
            os.remove(args.pidfile)
            return 1
        if answers(url + "moto-api/"):
            print(f"emulator: moto {url} (pid {proc.pid}, log {args.log})")
            return 0
        time.sleep(0.2)
    print(f"emulator: moto did not answer within {args.timeout}s; see {args.log}", file=sys.stderr)
    stop(proc.pid)
    os.remove(args.pidfile)
    return 1


def stop(pid: int) -> None:
    """SIGTERM the process group of pid, then SIGKILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                # Reap it if it is our child; otherwise just probe that it is gone.
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            except ChildProcessError:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
            time.sleep(0.1)


def down(args: argparse.Namespace) -> int:
    try:
        with open(args.pidfile) as f:
            pid = int(f.read().strip())
    except (FileNotFoundError, ValueError):
        return 0  # nothing started by us (or reused): nothing to stop
    stop(pid)
    os.remove(args.pidfile)
    print(f"emulator: stopped moto (pid {pid})")
    return 0


def free_port(_: argparse.Namespace) -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("up")
    u.add_argument("--host", default="127.0.0.1")
    u.add_argument("--port", type=int, default=4566)
    u.add_argument("--pidfile", required=True)
    u.add_argument("--log", required=True)
    u.add_argument("--reuse", action="store_true")
    u.add_argument("--timeout", type=float, default=30.0)
    u.set_defaults(func=up)
    d = sub.add_parser("down")
    d.add_argument("--pidfile", required=True)
    d.set_defaults(func=down)
    sub.add_parser("free-port").set_defaults(func=free_port)
    args = p.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
