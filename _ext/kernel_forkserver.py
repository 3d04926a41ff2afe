"""Start the build's chapter kernels from one process that has already imported their libraries.

A chapter kernel spends its first 3-4 s importing NumPy, SciPy, pandas, xarray, PyTensor, PyMC, ArviZ,
nutpie and statsmodels, the same modules in every chapter. In a clean build with two kernels at once,
that is 20-30 s of page time. ``execute_parallel`` therefore starts one
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

A forked kernel must be the kernel a plain start gives (tests/test_forkserver.py compares the two): so
the server imports as a kernel would (pandas asks whether it runs in one; streams that report
ipykernel's encoding), and the child drops what the server set up for itself (its SIGTERM handler, its
session, its script folder on ``sys.path``), keeps what the imports set (environment variables, warning
filters ahead of the startup files' ones) and points the streams the libraries kept at the kernel's.
"""

from __future__ import annotations

import builtins
import functools
import json
import os
import random
import selectors
import signal
import socket
import sys
import uuid
import warnings
from pathlib import Path

#: What every modelling chapter imports (directly, or through pymc and arviz), in import order.
PRELOAD = ("numpy", "scipy.stats", "pandas", "xarray", "matplotlib.pyplot",
           "pytensor", "pymc", "arviz", "nutpie", "statsmodels.formula.api")

#: The variable that names the server's socket, for ForkingKernelManager (not passed to kernels).
SOCKET_VARIABLE = "BOOK_KERNEL_FORKSERVER"

#: Variables jupyter_client (and ipykernel) set for a kernel, which may differ from the server's, and
#: PYTEST_CURRENT_TEST, which pytest changes at every step of a test (nothing reads it at import).
KERNEL_VARIABLES = ("JPY_PARENT_PID", "JPY_SESSION_NAME", "PYDEVD_DISABLE_FILE_VALIDATION", "MPLBACKEND",
                    SOCKET_VARIABLE, "PYTEST_CURRENT_TEST")

CLIENT = Path(__file__).resolve()


@functools.cache
def kernel_manager_class():
    """jupyter_client's kernel manager, starting the kernel through the fork server named by
    ``$BOOK_KERNEL_FORKSERVER`` (a plain kernel when it is unset), over Unix sockets. A function, so
    that the client, which runs this file too, does not import jupyter_client."""
    from jupyter_client.manager import KernelManager
    from traitlets import default

    class ForkingKernelManager(KernelManager):
        @default("transport")
        def _transport_default(self):
            # Unix sockets in the runtime folder, not TCP on localhost: ipykernel 7.4 warns at every
            # start of a TCP kernel without CurveZMQ keys (a build printed it 19 times), and only this
            # user can reach the sockets. ZeroMQ has no ipc transport on Windows.
            return "ipc" if os.name == "posix" else "tcp"

        @default("ip")
        def _ip_default(self):
            # jupyter_client's default for ipc is "kernel-ipc", relative to the working directory, which
            # the kernel (started in the chapter's folder) and this client do not share.
            if self.transport != "ipc":
                return super()._ip_default()
            from jupyter_core.paths import jupyter_runtime_dir

            runtime = jupyter_runtime_dir()
            os.makedirs(runtime, mode=0o700, exist_ok=True)
            return os.path.join(runtime, f"kernel-{uuid.uuid4().hex[:12]}-ipc")

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
    replies = sock.makefile("rb")  # one buffered reader for both lines: a second would miss what it read
    try:
        sock.connect(path)
        request = json.dumps({"argv": cmd, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        socket.send_fds(sock, [len(request).to_bytes(8, "big")], [0, 1, 2])
        sock.sendall(request)
        reply = replies.readline().decode().split()
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
    status = replies.readline().decode().split()
    code = int(status[1]) if status and status[0] == "exit" else 1
    return code if code >= 0 else 128 - code


# ----------------------------------------------------------------------------------------- server
def _run_startup_files() -> None:
    """The build profile's startup files, as IPython runs them in a kernel (in name order)."""
    startup = Path(os.environ.get("IPYTHONDIR") or Path.home() / ".ipython") / "profile_default" / "startup"
    for path in sorted(startup.glob("*.py")):
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), {"__name__": "__main__"})


def _child(request: dict, fds: list[int], server_pid: int) -> None:
    """In the forked process: become the kernel that ``request["argv"]`` starts."""
    # As jupyter_client starts a kernel: in a session of its own (a Ctrl-C in the terminal does not
    # reach it), with the signal handling of a new interpreter (the server's SIGTERM handler dropped).
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.pop(SOCKET_VARIABLE, None)
    os.environ.update(_IMPORT_ENVIRONMENT)
    os.environ["JPY_PARENT_PID"] = str(server_pid)  # ipykernel exits when its parent, the server, does
    # A fresh interpreter seeds these from the system; the children would otherwise share the server's.
    random.seed()
    import numpy as np

    np.random.seed()
    import ipykernel_launcher

    sys.argv = [ipykernel_launcher.__file__, *request["argv"][3:]]
    from ipykernel import kernelapp

    init_io = kernelapp.IPKernelApp.init_io

    def init_io_then_pin(app):
        init_io(app)  # sys.stdout and sys.stderr are the kernel's now
        for stream in _STREAMS:
            stream.pin()

    kernelapp.IPKernelApp.init_io = init_io_then_pin
    init_code = kernelapp.IPKernelApp.init_code

    def init_code_then_library_filters(app):
        init_code(app)  # IPython's filters, then the startup files' (again)
        _put_first(_LIBRARY_FILTERS)

    kernelapp.IPKernelApp.init_code = init_code_then_library_filters
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


def _not_forkable(request: dict, env: dict, cwd: str) -> str | None:
    """Why the kernel ``request`` asks for cannot be forked from this server, or None if it can."""
    argv = request.get("argv", [])
    if argv[:3] != [sys.executable, "-m", "ipykernel_launcher"]:
        return f"not this interpreter's ipykernel: {argv[:3]}"
    if request.get("cwd") != cwd:
        return f"its working directory is {request.get('cwd')}, not {cwd}"
    other = _comparable(request.get("env", {}))
    differ = [f"{k} ({other.get(k)!r}, here {env.get(k)!r})"
              for k in sorted(other.keys() | env.keys()) if other.get(k) != env.get(k)]
    return f"its environment differs in {', '.join(differ)}" if differ else None


class _KernelStream:
    """Stands in for ``sys.stdout`` or ``sys.stderr`` while the server imports the libraries, as a
    kernel's own stream would. A library that keeps the stream it finds at import (pymc's and
    pytensor's logging handlers do) keeps this one: it writes to the server's stream until a forked
    kernel has set up its own (``pin``), and to the kernel's from then on, as if the library had been
    imported in the kernel. Until then it answers as ipykernel's streams do: not a terminal, UTF-8
    (pandas reads the encoding at import)."""

    def __init__(self, name: str):
        self.name, self.target, self.pinned = name, getattr(sys, name), False

    def pin(self) -> None:
        self.target, self.pinned = getattr(sys, self.name), True

    @property
    def encoding(self):
        return self.target.encoding if self.pinned else "UTF-8"

    def isatty(self) -> bool:
        return self.target.isatty() if self.pinned else False

    def write(self, text):
        return self.target.write(text)

    def flush(self):
        return self.target.flush()

    def __getattr__(self, name):
        return getattr(self.target, name)


_STREAMS = (_KernelStream("stdout"), _KernelStream("stderr"))

#: The warning filters the libraries added as the server imported them. In a kernel they would come
#: before IPython's and the startup files' (the libraries are imported after those), and the first
#: filter that matches decides; a forked kernel puts them back there (``_put_first``).
_LIBRARY_FILTERS: list = []


#: What the startup files and the libraries set in os.environ as the server imported them (numba's
#: NUMBA_OPT, a library's KMP_DUPLICATE_LIB_OK): a forked kernel's environment has them too.
_IMPORT_ENVIRONMENT: dict[str, str] = {}


def _put_first(filters) -> None:
    """Move ``filters`` (entries of ``warnings.filters``) to the front, in their order."""
    for action, message, category, module, lineno in reversed(filters):
        if message is None and module is None:
            warnings.simplefilter(action, category, lineno)
        else:
            warnings.filterwarnings(action, message.pattern if message else "", category,
                                    module.pattern if module else "", lineno)


class _AKernel:
    """What ``get_ipython()`` returns in a Jupyter kernel, as far as import-time checks look."""

    kernel = True


def serve(path: str) -> int:
    # sys.path as ipykernel_launcher leaves it: without the folder of the script python was given
    # (python -m puts its working directory there, and the launcher takes it out; IPython adds '').
    if sys.path and Path(sys.path[0]).resolve() == CLIENT.parent:
        del sys.path[0]
    original, cwd = dict(os.environ), os.getcwd()
    env = _comparable(original)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel does
    _run_startup_files()
    # pandas asks at import whether it runs in a Jupyter kernel (get_ipython().kernel), and if not,
    # sizes its tables to a terminal (display.max_columns 0 instead of 20). The server imports it on
    # the kernels' behalf, so it answers as they would; nothing else in PRELOAD asks (checked by
    # tests/test_forkserver.py, which compares a forked kernel's state with a plain one's).
    builtins.get_ipython = lambda: _AKernel
    sys.stdout, sys.stderr = _STREAMS
    before = list(warnings.filters)
    try:
        for name in PRELOAD:
            __import__(name)
    finally:
        del builtins.get_ipython
        sys.stdout, sys.stderr = (stream.target for stream in _STREAMS)
    _LIBRARY_FILTERS.extend(f for f in warnings.filters if f not in before)
    _IMPORT_ENVIRONMENT.update((k, v) for k, v in os.environ.items() if original.get(k) != v)
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
                why = "no standard streams" if len(fds) != 3 else _not_forkable(request, env, cwd)
                if why:
                    print(f"kernel_forkserver: a plain kernel, not a forked one: {why}", file=sys.stderr,
                          flush=True)
                    for fd in fds:
                        os.close(fd)
                    conn.sendall(b"plain\n")
                    conn.close()
                    continue
                with warnings.catch_warnings():
                    # Python warns that forking a process with threads may deadlock the child. The
                    # only threads here are native idle ones: OpenBLAS's workers and the jemalloc
                    # background thread of pyarrow (which pandas imports), both of which handle a fork
                    # (pthread_atfork); the server runs no Python threads.
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
    if sys.argv[1:2] == ["serve"] and len(sys.argv) == 3:
        sys.exit(serve(sys.argv[2]))
    if sys.argv[1:2] == ["client"] and sys.argv[3:4] == ["--"] and len(sys.argv) > 4:
        sys.exit(client(sys.argv[2], sys.argv[4:]))
    sys.exit("usage: kernel_forkserver.py serve SOCKET | client SOCKET -- KERNEL_COMMAND...")
