"""Start the build's chapter kernels from one process that has already imported their libraries.

A chapter kernel spends its first 3-4 s importing ipykernel, NumPy, SciPy, pandas, xarray, PyTensor,
PyMC, ArviZ, nutpie and statsmodels, the same modules in every chapter. In a clean build with two
kernels at once, that is most of a minute of the build. ``execute_parallel`` therefore starts one
server (``serve``) that imports them once, in the kernels' own environment and working directory and
with the build's startup files (deprecations are errors), and then forks a kernel for each page: the
page's first ``import pymc`` finds the module loaded. Nothing in the chapters changes; only how the
build starts their interpreter.

jupyter_client starts ``client`` (through :func:`kernel_manager_class`) as if it were the kernel. The
client hands the server its standard streams, its environment, its working directory and the kernel's
command line; the server forks, and the child becomes that kernel (``ipykernel_launcher``). The client
forwards the signals jupyter_client sends (an interrupt, a shutdown) to the child and exits with its
status; if the client is killed (jupyter_client's immediate shutdown), the server kills the child.

A kernel is forked only when the environment it is given is the one the server imported the libraries
under (Jupyter's own variables aside) and its working directory is the server's: libraries read both at
import (``NUMBA_OPT``, ``PYTENSOR_FLAGS``, a ``matplotlibrc``). Otherwise, or when there is no server,
the client runs the plain kernel command in its own place (``exec``), as the build would without it.
"""

from __future__ import annotations

import builtins
import json
import os
import random
import selectors
import signal
import socket
import sys
import warnings
from pathlib import Path

#: What every modelling chapter imports (directly, or through pymc and arviz), in import order.
PRELOAD = ("numpy", "scipy.stats", "pandas", "xarray", "matplotlib.pyplot",
           "pytensor", "pymc", "arviz", "nutpie", "statsmodels.formula.api")

#: The variable that names the server's socket, for ForkingKernelManager (not passed to kernels).
SOCKET_VARIABLE = "BOOK_KERNEL_FORKSERVER"

#: Variables jupyter_client (and ipykernel) set for a kernel, which may differ from the server's.
KERNEL_VARIABLES = ("JPY_PARENT_PID", "JPY_SESSION_NAME", "PYDEVD_DISABLE_FILE_VALIDATION", "MPLBACKEND",
                    SOCKET_VARIABLE)

CLIENT = Path(__file__).resolve()


def kernel_manager_class():
    """jupyter_client's kernel manager, starting the kernel through the fork server named by
    ``$BOOK_KERNEL_FORKSERVER`` (a plain kernel when it is unset). A function, so that the client,
    which runs this file too, does not import jupyter_client."""
    from jupyter_client.manager import KernelManager

    class ForkingKernelManager(KernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            path = os.environ.get(SOCKET_VARIABLE)
            return [sys.executable, str(CLIENT), "client", path, "--", *cmd] if path else cmd

    return ForkingKernelManager


def _comparable(env: dict) -> dict:
    return {k: v for k, v in env.items() if k not in KERNEL_VARIABLES}


# ----------------------------------------------------------------------------------------- client
def client(path: str, cmd: list[str]) -> int:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        request = json.dumps({"argv": cmd, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        socket.send_fds(sock, [len(request).to_bytes(8, "big")], [0, 1, 2])
        sock.sendall(request)
        reply = sock.makefile("rb").readline().decode().split()
    except OSError:
        reply = []
    if not reply or reply[0] != "pid":
        sock.close()
        os.execv(cmd[0], cmd)  # no server, or not this kernel: the plain kernel, in this process
    pid = int(reply[1])

    def forward(signum, frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                   signal.SIGUSR2):
        signal.signal(signum, forward)
    status = sock.makefile("rb").readline().decode().split()
    code = int(status[1]) if status and status[0] == "exit" else 1
    return code if code >= 0 else 128 - code


# ----------------------------------------------------------------------------------------- server
def _run_startup_files() -> None:
    """The build profile's startup files, as IPython runs them in a kernel (in name order)."""
    startup = Path(os.environ["IPYTHONDIR"]) / "profile_default" / "startup"
    for path in sorted(startup.glob("*.py")):
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), {"__name__": "__main__"})


def _child(request: dict, fds: list[int], server_pid: int) -> None:
    """In the forked process: become the kernel that ``request["argv"]`` starts."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.pop(SOCKET_VARIABLE, None)
    os.environ["JPY_PARENT_PID"] = str(server_pid)  # ipykernel exits when its parent, the server, does
    # A fresh interpreter seeds these from the system; the children would otherwise share the server's.
    random.seed()
    import numpy as np

    np.random.seed()
    import ipykernel_launcher

    sys.argv = [ipykernel_launcher.__file__, *request["argv"][3:]]
    sys.path[0] = request["cwd"]  # as python -m puts its working directory first
    from ipykernel import kernelapp

    code = 0
    try:
        kernelapp.launch_new_instance()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _forkable(request: dict, env: dict, cwd: str) -> bool:
    argv = request.get("argv", [])
    return (argv[:3] == [sys.executable, "-m", "ipykernel_launcher"] and request.get("cwd") == cwd
            and _comparable(request.get("env", {})) == env)


class _AKernel:
    """What ``get_ipython()`` returns in a Jupyter kernel, as far as import-time checks look."""

    kernel = True


def serve(path: str) -> int:
    env, cwd = _comparable(os.environ), os.getcwd()
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel does
    _run_startup_files()
    # pandas asks at import whether it runs in a Jupyter kernel (get_ipython().kernel), and if not,
    # sizes its tables to a terminal (display.max_columns 0 instead of 20). The server imports it on
    # the kernels' behalf, so it answers as they would; nothing else in PRELOAD asks (checked by
    # tests/test_forkserver.py, which compares a forked kernel's state with a plain one's).
    builtins.get_ipython = lambda: _AKernel
    try:
        for name in PRELOAD:
            __import__(name)
    finally:
        del builtins.get_ipython
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    print("ready", flush=True)  # execute_parallel waits for this line
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    children: dict[int, socket.socket] = {}
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while not stopping:
        for key, _ in selector.select(timeout=0.1):
            if key.fileobj is listener:
                conn, _ = listener.accept()
                header, fds, _, _ = socket.recv_fds(conn, 8, 3)
                size, request = int.from_bytes(header, "big"), b""
                while len(request) < size:
                    chunk = conn.recv(size - len(request))
                    if not chunk:
                        break
                    request += chunk
                request = json.loads(request or b"{}")
                if len(fds) != 3 or not _forkable(request, env, cwd):
                    for fd in fds:
                        os.close(fd)
                    conn.sendall(b"plain\n")
                    conn.close()
                    continue
                with warnings.catch_warnings():
                    # Python warns that forking a process with threads may deadlock the child. The
                    # only threads here are OpenBLAS's idle workers, which it stops and restarts
                    # around a fork (pthread_atfork); the server runs no Python threads.
                    warnings.filterwarnings("ignore", "This process .* is multi-threaded",
                                            DeprecationWarning)
                    pid = os.fork()
                if pid == 0:
                    selector.close()
                    listener.close()
                    for other in children.values():
                        other.close()
                    conn.close()
                    _child(request, fds, os.getppid())
                for fd in fds:
                    os.close(fd)
                conn.sendall(f"pid {pid}\n".encode())
                children[pid] = conn
                selector.register(conn, selectors.EVENT_READ, pid)
            else:  # a client closed its end: it was killed, so kill its kernel
                pid = key.data
                if not key.fileobj.recv(1):
                    selector.unregister(key.fileobj)
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is not None:
                try:
                    selector.unregister(conn)
                except KeyError:
                    pass
                try:
                    conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                except OSError:
                    pass
                conn.close()
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    Path(path).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        sys.exit(serve(sys.argv[2]))
    if sys.argv[1:2] == ["client"] and sys.argv[3:4] == ["--"]:
        sys.exit(client(sys.argv[2], sys.argv[4:]))
    sys.exit("usage: kernel_forkserver.py serve SOCKET | client SOCKET -- KERNEL_COMMAND...")
