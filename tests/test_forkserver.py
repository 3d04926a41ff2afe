"""The build's fork server (_ext/kernel_forkserver.py): a kernel forked from it is the kernel a plain
start gives, with its libraries already imported. Each test executes real notebooks in real kernels."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import execute_parallel as ep  # noqa: E402
import kernel_forkserver as kf  # noqa: E402
import strict_warnings  # noqa: E402

#: What a chapter's code could notice about the interpreter it runs in, as JSON on stdout.
PROBE = r'''
import sys
preloaded = "pymc" in sys.modules
for name in PRELOAD:  # first, as the server imported them: the plain kernel's state to compare
    __import__(name)
import json, logging, os, random, signal, warnings
import matplotlib
import numpy as np
import pandas as pd
from pandas._config.config import _registered_options
import numba.np.arrayobj, arviz_stats.base.diagnostics, pytensor.compile.inner_function

def fd(n):
    target = os.readlink(f"/proc/self/fd/{n}")
    return target.split("[")[0] if n == 0 else target

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # reading a deprecated option warns, and the profile makes that an error
    options = {key: repr(pd.get_option(key)) for key in sorted(_registered_options)}
state = {
    "pandas": options,
    "matplotlib": {key: repr(value) for key, value in sorted(matplotlib.rcParams.items())},
    "numpy": repr(np.get_printoptions()),
    "warnings": [repr(f) for f in warnings.filters],
    "path": sys.path, "cwd": os.getcwd(), "argv0": os.path.basename(sys.argv[0]),
    "executable": sys.executable, "name": __name__, "flags": repr(sys.flags),
    "env": {k: v for k, v in sorted(os.environ.items()) if k not in ("JPY_PARENT_PID", "JPY_SESSION_NAME")},
    "shell": [type(get_ipython()).__name__, hasattr(get_ipython(), "kernel")],
    "signals": [repr(signal.getsignal(signal.SIGINT)), repr(signal.getsignal(signal.SIGTERM))],
    "own_session": os.getsid(0) == os.getpid(),
    "fds": [fd(0), fd(1), fd(2)],
    # pymc's logging handler, made when pymc was imported, writes to the kernel's stream ("NUTS: ...")
    "pymc_log": [getattr(h.stream, "target", h.stream) is sys.stderr
                 for h in logging.getLogger("pymc").handlers],
    "patches": [numba.np.arrayobj.raise_with_shape_context.__code__.co_filename,
                pytensor.compile.inner_function.HasInnerFunction.link_mode.__name__,
                hasattr(arviz_stats.base.diagnostics.logsumexp, "scipy_logsumexp")],
}
print(json.dumps({"state": state, "preloaded": preloaded, "pid": os.getpid(), "ppid": os.getppid(),
                  "random": [random.random(), float(np.random.random())]}))
'''


PROBE = f"PRELOAD = {kf.PRELOAD!r}\n" + PROBE


def notebook(*sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def run(nb, cwd, timeout=120, **kwargs):
    from jupyter_cache.executors.utils import single_nb_execution

    return single_nb_execution(nb, cwd=str(cwd), timeout=timeout, allow_errors=False, meta_override=False,
                               shutdown_kernel="immediate", kernel_manager_class=kf.kernel_manager_class(),
                               **kwargs)


def probe(cwd) -> dict:
    nb = notebook(PROBE)
    result = run(nb, cwd)
    assert result.err is None, result.exc_string
    return json.loads(nb.cells[0].outputs[-1]["text"])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A fork server in a fresh folder, with the build's kernel profile, as execute_parallel starts it."""
    folder = tmp_path_factory.mktemp("forkserver")
    saved = dict(os.environ)
    os.environ["IPYTHONDIR"] = str(strict_warnings.ipython_dir(folder / "_build"))
    started = ep.start_forkserver(folder)
    try:
        assert ep.await_forkserver(started), "the fork server did not start"
        yield folder, started[0]
    finally:
        ep.stop_forkserver(started)
        os.environ.clear()
        os.environ.update(saved)


def test_a_forked_kernel_is_the_plain_kernel_with_its_libraries_imported(server, monkeypatch):
    folder, process = server
    forked = probe(folder)
    monkeypatch.delenv(kf.SOCKET_VARIABLE)
    plain = probe(folder)
    assert forked["preloaded"] and not plain["preloaded"]  # the fork happened, and only there
    assert forked["ppid"] == process.pid
    for key in plain["state"]:
        assert forked["state"][key] == plain["state"][key], key


def test_forked_kernels_draw_their_own_random_numbers(server):
    first, second = probe(server[0]), probe(server[0])
    assert first["preloaded"] and second["preloaded"]
    assert first["random"][0] != second["random"][0] and first["random"][1] != second["random"][1]


def test_a_forked_kernel_stops_with_its_client(server):
    pid = probe(server[0])["pid"]  # jupyter_client killed the client (immediate shutdown)
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"the forked kernel {pid} outlived its client")


def test_an_interrupt_reaches_the_forked_kernel(server):
    """jupyter_client interrupts a kernel with SIGINT to the process it started (the client), which
    passes it on: the running cell stops with KeyboardInterrupt, and the kernel goes on."""
    outputs = []
    km = kf.kernel_manager_class()(kernel_name="python3")
    km.start_kernel(cwd=str(server[0]))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        forked = kc.execute_interactive('import sys; print("pymc" in sys.modules)', timeout=60,
                                        output_hook=lambda msg: outputs.append(msg["content"].get("text", "")))
        start = time.perf_counter()
        kc.execute("import time; time.sleep(60)")
        time.sleep(2)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=30)
        assert time.perf_counter() - start < 20
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        assert kc.execute_interactive("x = 1", timeout=30)["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert forked["content"]["status"] == "ok" and "".join(outputs) == "True\n"



def test_a_kernel_given_another_environment_starts_plainly(server, monkeypatch):
    monkeypatch.setenv("BOOK_PROBE_OTHER", "1")  # the libraries may read it at import: no fork
    found = probe(server[0])
    assert not found["preloaded"] and found["state"]["env"]["BOOK_PROBE_OTHER"] == "1"


def test_a_kernel_in_another_folder_starts_plainly(server, tmp_path):
    assert not probe(tmp_path)["preloaded"]


def test_without_a_server_the_client_starts_the_plain_kernel(server, monkeypatch, tmp_path):
    monkeypatch.setenv(kf.SOCKET_VARIABLE, str(tmp_path / "no-such-socket"))
    assert not probe(server[0])["preloaded"]


def test_a_server_that_stops_before_it_is_ready_is_reported(tmp_path, monkeypatch, capsys):
    profile = tmp_path / "ipython"
    (profile / "profile_default" / "startup").mkdir(parents=True)
    (profile / "profile_default" / "startup" / "00-fail.py").write_text("raise RuntimeError('broken')\n")
    monkeypatch.setenv("IPYTHONDIR", str(profile))
    # stop_forkserver drops the socket variable: through monkeypatch, the module's server gets its own
    # back for the tests after this one
    monkeypatch.setenv(kf.SOCKET_VARIABLE, os.environ.get(kf.SOCKET_VARIABLE, ""))
    started = ep.start_forkserver(tmp_path)
    try:
        assert not ep.await_forkserver(started)
    finally:
        ep.stop_forkserver(started)
    assert kf.SOCKET_VARIABLE not in os.environ
    assert "kernels start plainly: the fork server stopped (1) before it was ready" in capsys.readouterr().out


def test_the_script_names_its_usage():
    proc = subprocess.run([sys.executable, kf.__file__, "serve"], capture_output=True, text=True)
    assert proc.returncode == 1 and "usage: kernel_forkserver.py serve SOCKET" in proc.stderr


def test_kernels_talk_over_unix_sockets_that_any_working_directory_finds(server, tmp_path, capfd):
    # ipykernel 7.4 warns at every TCP kernel's start (the build printed it once per page); the
    # sockets' path must be absolute, for a kernel started in another folder than its client's.
    km = kf.kernel_manager_class()(kernel_name="python3")
    assert km.transport == "ipc" and os.path.isabs(km.ip)
    assert probe(server[0])["preloaded"] and not probe(tmp_path)["preloaded"]  # forked, then plain
    assert "without encryption" not in capfd.readouterr().err
