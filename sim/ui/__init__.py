"""``sim ui``: the interactive web app, a Solara page around the Mesa model (``sim/ui/app.py``).

This package imports nothing heavy at import time, so that ``sim ui`` can say in one
line what to install when the ``ui`` extra (solara, altair) is missing. :func:`serve`
runs the Solara server for :mod:`sim.ui.app` in this process.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import warnings
from pathlib import Path

from sim.inputs.errors import ScenarioError

INSTALL_HINT = "sim ui needs the ui extra: python3 -m pip install -e '.[ui]'"
SCENARIO_ENV = "BALANCING_ACT_UI_SCENARIO"  # the one scenario file given on the command line
REGISTRY_ENV = "BALANCING_ACT_UI_REGISTRY"  # `sim --registry FILE ui`
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def missing_dependency() -> str | None:
    """The first module of the ui extra that is not installed, else None (nothing is imported)."""
    from importlib.util import find_spec

    for module in ("solara", "altair", "uvicorn", "ipyvuetify"):
        if find_spec(module) is None:
            return module
    return None


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port); a one-line ScenarioError if impossible."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as err:
        raise ScenarioError("sim ui", f"cannot resolve host '{host}': {err}", key="--host") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as err:
        sock.close()
        reason = err.strerror or str(err)
        raise ScenarioError("sim ui", f"cannot listen on {host}:{port}: {reason.lower()}; "
                                      "choose another --port", key="--port") from None
    sock.set_inheritable(True)
    return sock


class _Stop(Exception):
    """Raised by the SIGTERM handler once the server has shut down."""


def is_local(host: str) -> bool:
    """Whether every address ``host`` stands for is a loopback one (only this computer can connect)."""
    import ipaddress

    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        return False  # bind() then says it cannot be resolved
    addresses = {info[4][0].split("%", 1)[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def check_host(host: str, allow_remote: bool, echo=print) -> None:
    """Refuse an address other computers can reach unless ``allow_remote``; warn when it is allowed.

    The app has no login: whoever reaches the port can run scenarios on this computer.
    """
    if is_local(host):
        return
    if not allow_remote:
        raise ScenarioError("sim ui", f"'{host}' would make the app reachable from other computers, and it has no "
                                      "login; add --allow-remote to do that on purpose, or leave --host out (this "
                                      "computer only)", key="--host")
    echo(f"warning: sim ui on {host} is reachable from the network without any login: anyone who can reach "
         "this port can use the app and run simulations on this computer")


def serve(scenario_file: Path | None = None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          registry_path: Path | None = None, echo=print, allow_remote: bool = False) -> None:
    """Run the web app until Ctrl-C or SIGTERM; print its address first and one line at the end.

    A ``host`` other computers can reach is refused unless ``allow_remote`` (see :func:`check_host`)."""
    check_host(host, allow_remote, echo)
    sock = bind(host, port)
    os.environ[SCENARIO_ENV] = str(Path(scenario_file).resolve()) if scenario_file else ""
    os.environ[REGISTRY_ENV] = str(Path(registry_path).resolve()) if registry_path else ""
    os.environ["SOLARA_APP"] = "sim.ui.app"
    # A classroom tool: no usage reports to Solara's telemetry, no version check.
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    os.environ.setdefault("SOLARA_MODE", "production")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    os.environ.setdefault("MPLBACKEND", "Agg")
    # Harmless on a local http address; Solara warns about its cookie on every page load.
    warnings.filterwarnings("ignore", message=r"Cookies with samesite=none", category=UserWarning)

    import uvicorn

    actual_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    config = uvicorn.Config("solara.server.starlette:app", log_level="warning", timeout_graceful_shutdown=2,
                            lifespan="on")
    server = uvicorn.Server(config)

    def on_term(signum, frame):  # uvicorn re-raises SIGTERM after its graceful shutdown
        raise _Stop()

    previous = signal.signal(signal.SIGTERM, on_term)
    echo(f"Balancing Act is running at http://{shown_host}:{actual_port}/ (Ctrl-C to stop)")
    sys.stdout.flush()
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    echo("sim ui: stopped")
