"""The local stack the Python suites (tests/stack, tests/browser) run against.

Inside `scripts/stack.py run` (make test runs `pytest tests/stack tests/browser`
so) the stack's environment is already there. Otherwise the first test that
needs one (the `local_stack` fixture) starts a stack for the session
(`scripts/stack.py up --detach`) and stops it at the end. Lines a test adds to
`summary` (the fuzz verdict) are printed in pytest's summary, pass or fail;
under pytest-xdist (`-n`) each worker hands its lines to the controller.

`make test` runs the suite in two parts, each on a stack of its own, side by
side: in parallel (`-n 2 -m "not exclusive"`), and the tests marked
`exclusive` one after the other: those that restart the emulator, stop a
poller or kill a function, or flood the stack's mail, which would hold up or
break the tests beside them on the same stack."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "stack"))
import stack  # noqa: E402  (tests/stack/stack.py)

_summary = stack.summary_lines


@pytest.fixture(scope="session")
def local_stack():
    if os.environ.get("ROSTER_API_URL"):
        yield dict(os.environ)
        return
    with stack.detached("--name", "pytest") as stack_env:
        saved = dict(os.environ)
        os.environ.update(stack_env)  # the scripts the tests run read it too
        try:
            yield dict(os.environ)
        finally:
            os.environ.clear()
            os.environ.update(saved)


@pytest.fixture(scope="session")
def summary() -> list[str]:
    return _summary


def pytest_terminal_summary(terminalreporter):
    for line in _summary:
        terminalreporter.write_line(line)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput["summary"] = list(_summary)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The xdist controller: a worker's summary lines."""
    _summary.extend(getattr(node, "workeroutput", {}).get("summary", []))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "floods_mail: queues more mail than the stack's poller sends in minutes; runs after every other test",
    )
    config.addinivalue_line(
        "markers",
        "exclusive: disturbs the whole stack (restarts the emulator, stops a poller, kills a function, "
        "floods the mail); make test runs these one at a time, on a stack of their own",
    )


def pytest_collection_modifyitems(config, items):
    """Tests that flood the stack's mail go last: the tests after them would
    otherwise wait for their mail behind thousands of others."""
    items.sort(key=lambda item: item.get_closest_marker("floods_mail") is not None)
