"""The ``phemu`` command line: ``phemu serve`` runs the emulator as an HTTP server.

Every ``serve`` flag has a ``PHEMU_*`` environment variable (shown in ``--help``); a flag given
on the command line wins over its variable. Lists (``PHEMU_SEED``, ``PHEMU_PLUGIN``) are separated
by commas; switches (``PHEMU_QUIET``...) take ``1/true/yes/on`` or ``0/false/no/off``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from phemu import __version__
from phemu.errors import EnvError

if TYPE_CHECKING:
    from phemu.emulator import Emulator

EXAMPLES = """examples:
  phemu serve                                  # default seed + sample sessions on :8000
  phemu serve --port 0                         # pick a free port and print it
  phemu serve --seed my-seed.json              # default seed, then a document of your own
  phemu serve --no-default-seed --seed my-seed.json --profile cloud
  phemu serve --state-file phemu-state.json --autosave 30   # survive restarts
  phemu serve --state-file phemu-state.json --sync always   # survive kill -9 too
  phemu serve --plugin my_plugin --rate-limits posthog      # my_plugin.py in this folder
  phemu serve --host 0.0.0.0 --allowed-host phemu.internal  # reachable from other machines
  PHEMU_PORT=9000 PHEMU_QUIET=1 phemu serve    # every flag also from PHEMU_* variables

control plane: GET /_phemu/ (web inspector), /_phemu/health, /_phemu/state,
  POST /_phemu/state/save, /_phemu/reset ... (see docs/server.md). Writes to it need
  Content-Type: application/json; on a non-loopback --host also the control token.
"""

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}
LOG_LEVELS = ("debug", "info", "warning", "error")
SYNC_MODES = ("always", "off", "snapshot")


def env_flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise EnvError(f"{name}={raw!r}: expected one of 1/true/yes/on or 0/false/no/off")


def env_list(env: Mapping[str, str], name: str) -> list[str]:
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def env_number(env: Mapping[str, str], name: str, kind: type = int) -> Any:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        return kind(raw.strip())
    except ValueError:
        raise EnvError(f"{name}={raw!r}: expected a number") from None


def port_number(raw: str, name: str) -> int:
    """A TCP port (``0`` picks a free one), or :class:`EnvError` naming where it came from."""
    try:
        port = int(raw.strip())
    except ValueError:
        raise EnvError(f"{name}: expected a number") from None
    if not 0 <= port <= 65535:
        raise EnvError(f"{name}: expected a TCP port from 0 to 65535")
    return port


def build_parser() -> argparse.ArgumentParser:
    """The parser; defaults are ``None`` so :func:`resolve` can tell "not given" from a value."""
    parser = argparse.ArgumentParser(prog="phemu", description="An in-memory PostHog API emulator.")
    parser.add_argument("--version", action="version", version=f"phemu {__version__}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser(
        "serve",
        help="run the emulator as an HTTP server",
        description="Serve PostHog's management API from memory until SIGINT/SIGTERM.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    net = serve.add_argument_group("network")
    net.add_argument("--host", help="interface to bind (PHEMU_HOST; default 127.0.0.1)")
    net.add_argument(
        "--port",
        type=int,
        help="TCP port, 0 picks a free one and prints it (PHEMU_PORT; default 8000)",
    )
    net.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="also answer requests whose Host is NAME (.example.com: a domain and its "
        "subdomains; *: any); loopback names always work (PHEMU_ALLOWED_HOSTS, comma-separated)",
    )
    net.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="require TOKEN (X-Phemu-Token header) on the control plane; generated and printed "
        "when --host is not a loopback address (PHEMU_CONTROL_TOKEN)",
    )
    data = serve.add_argument_group("data")
    data.add_argument(
        "--seed",
        action="append",
        metavar="FILE",
        help="JSON seed document, repeatable (PHEMU_SEED, comma-separated)",
    )
    data.add_argument(
        "--no-default-seed",
        action="store_true",
        default=None,
        help="do not load the default seed (PHEMU_NO_DEFAULT_SEED)",
    )
    data.add_argument(
        "--profile",
        choices=("docs", "cloud"),
        help="behave like the documented API or like PostHog Cloud (PHEMU_PROFILE; default docs)",
    )
    persist = data.add_mutually_exclusive_group()
    persist.add_argument(
        "--state-file",
        metavar="PATH",
        help="load state from PATH at start if it exists; save it atomically on shutdown, on "
        "POST /_phemu/state/save and with --autosave (PHEMU_STATE_FILE)",
    )
    persist.add_argument(
        "--ephemeral",
        action="store_true",
        default=None,
        help="keep nothing on disk, even if PHEMU_STATE_FILE is set (PHEMU_EPHEMERAL)",
    )
    data.add_argument(
        "--autosave",
        type=float,
        metavar="N",
        help="also save the state file every N seconds (PHEMU_AUTOSAVE; default off)",
    )
    data.add_argument(
        "--sync",
        choices=SYNC_MODES,
        help="always: append each request's changes to PATH.log and fsync it before answering, "
        "so kill -9 loses no acknowledged write (the log folds into the state file on save and "
        "shutdown); snapshot: save the whole state file before answering each write (slower); "
        "both need --state-file (PHEMU_SYNC; default off)",
    )
    plug = serve.add_argument_group("plugins and limits")
    plug.add_argument(
        "--plugin",
        action="append",
        metavar="MODULE",
        help="import MODULE[:attr] as a phemu plugin, repeatable (PHEMU_PLUGIN, comma-separated)",
    )
    plug.add_argument(
        "--no-default-plugins",
        action="store_true",
        default=None,
        help="do not load plugins from the 'phemu' entry points (PHEMU_NO_DEFAULT_PLUGINS)",
    )
    plug.add_argument(
        "--rate-limits",
        choices=("posthog", "off"),
        help="apply PostHog's API rate limits (PHEMU_RATE_LIMITS; default off)",
    )
    out = serve.add_argument_group("output")
    out.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        type=str.lower,
        help="logging level on stderr (PHEMU_LOG_LEVEL; default info)",
    )
    out.add_argument(
        "--quiet",
        action="store_true",
        default=None,
        help="no access log lines (PHEMU_QUIET)",
    )
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "serve":
        parser.print_help()
        return 0
    try:
        resolve(args, os.environ if env is None else env)
    except EnvError as error:
        print(f"phemu: {error}", file=sys.stderr)
        return 2
    return serve(args)


def resolve(args: argparse.Namespace, env: Mapping[str, str]) -> argparse.Namespace:
    """Fill every option not given on the command line from its ``PHEMU_*`` variable."""
    if args.host is None:
        args.host = env.get("PHEMU_HOST") or "127.0.0.1"
    if args.port is None:
        raw_port = env.get("PHEMU_PORT", "").strip()
        args.port = port_number(raw_port, f"PHEMU_PORT={env['PHEMU_PORT']!r}") if raw_port else 8000
    else:
        args.port = port_number(str(args.port), f"--port {args.port}")
    if args.allowed_host is None:
        args.allowed_host = env_list(env, "PHEMU_ALLOWED_HOSTS")
    if args.control_token is None:
        args.control_token = env.get("PHEMU_CONTROL_TOKEN") or None
    if args.seed is None:
        args.seed = env_list(env, "PHEMU_SEED")
    if args.no_default_seed is None:
        args.no_default_seed = env_flag(env, "PHEMU_NO_DEFAULT_SEED")
    if args.profile is None:
        args.profile = env.get("PHEMU_PROFILE") or "docs"
        if args.profile not in ("docs", "cloud"):
            raise EnvError(f"PHEMU_PROFILE={args.profile!r}: expected docs or cloud")
    if args.state_file is None and args.ephemeral is None:
        args.ephemeral = env_flag(env, "PHEMU_EPHEMERAL")
        if not args.ephemeral:
            args.state_file = env.get("PHEMU_STATE_FILE") or None
    if args.ephemeral:
        args.state_file = None
    if args.autosave is None:
        autosave = env_number(env, "PHEMU_AUTOSAVE", float)
        args.autosave = 0.0 if autosave is None else autosave
    if args.autosave < 0:
        raise EnvError("--autosave/PHEMU_AUTOSAVE must be a positive number of seconds")
    if args.sync is None:
        args.sync = (env.get("PHEMU_SYNC") or "off").lower()
        if args.sync not in SYNC_MODES:
            raise EnvError(f"PHEMU_SYNC={env['PHEMU_SYNC']!r}: expected always, off or snapshot")
    if args.sync != "off" and not args.state_file:
        raise EnvError(f"--sync {args.sync} needs --state-file PATH")
    if args.plugin is None:
        args.plugin = env_list(env, "PHEMU_PLUGIN")
    if args.no_default_plugins is None:
        args.no_default_plugins = env_flag(env, "PHEMU_NO_DEFAULT_PLUGINS")
    if args.rate_limits is None:
        args.rate_limits = (env.get("PHEMU_RATE_LIMITS") or "off").lower()
        if args.rate_limits not in ("posthog", "off"):
            raise EnvError(f"PHEMU_RATE_LIMITS={args.rate_limits!r}: expected posthog or off")
    if args.log_level is None:
        args.log_level = (env.get("PHEMU_LOG_LEVEL") or "info").lower()
        if args.log_level not in LOG_LEVELS:
            raise EnvError(
                f"PHEMU_LOG_LEVEL={args.log_level!r}: expected one of {', '.join(LOG_LEVELS)}"
            )
    if args.quiet is None:
        args.quiet = env_flag(env, "PHEMU_QUIET")
    return args


def make_emulator(args: argparse.Namespace) -> Emulator:
    """The emulator ``phemu serve`` runs, from resolved options."""
    from phemu.emulator import Emulator
    from phemu.resources.sessions import SAMPLE_SEED_PATH

    # The default server also loads the sample session data (``docs/sessions.md``).
    extra = [] if args.no_default_seed else [SAMPLE_SEED_PATH]
    return Emulator(
        profile=args.profile,
        seeds=[*extra, *args.seed],
        default_seed=not args.no_default_seed,
        plugins=args.plugin,
        load_entrypoints=not args.no_default_plugins,
        rate_limits="posthog" if args.rate_limits == "posthog" else None,
    )


def configure_logging(level: str, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger("phemu")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("phemu.access").disabled = quiet


def serve(args: argparse.Namespace) -> int:
    from phemu.errors import ConfigurationError
    from phemu.errors import SeedError
    from phemu.errors import StateFileError
    from phemu.persistence import StateFile
    from phemu.server import ThreadedServer
    from phemu.server_guard import is_loopback

    configure_logging(args.log_level, args.quiet)
    log = logging.getLogger("phemu.server")
    if args.plugin:
        # As ``python -m`` does: a plugin module in the current folder is importable.
        sys.path.insert(0, os.getcwd())
    try:
        emulator = make_emulator(args)
    except (SeedError, ConfigurationError) as error:
        print(f"phemu: {error}", file=sys.stderr)
        return 2
    state_file: StateFile | None = None
    loaded = False
    if args.state_file:
        state_file = StateFile(emulator, args.state_file, sync=args.sync)
        try:
            loaded = state_file.load()
            state_file.open()
        except StateFileError as error:
            print(f"phemu: {error}", file=sys.stderr)
            return 2
        emulator.state_file = state_file
    server = ThreadedServer(
        emulator,
        host=args.host,
        port=args.port,
        access_log=not args.quiet,
        allowed_hosts=args.allowed_host,
        control_token=args.control_token,
        durable=state_file if args.sync != "off" else None,
    )
    try:
        server.start()
    except OSError as error:
        print(f"phemu: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        log.warning(
            "%s is not a loopback address: other machines can reach this server, use its API "
            "with the public default key and, with the control token, its control plane "
            "(docs/server.md, security)",
            args.host,
        )
    stop = threading.Event()
    received: list[str] = []

    def on_signal(signum: int, _frame: Any) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()
        # A second signal kills at once, as people expect from a second Ctrl-C.
        signal.signal(signum, signal.SIG_DFL)

    # Handlers go in before the banner (a supervisor may signal as soon as it sees the URL) and
    # are restored on return, so calling main() from Python leaves the process as it was.
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for sig in previous:
            signal.signal(sig, on_signal)
        generated = server.control_token if args.control_token is None else None
        show(banner(emulator, server.url, args.state_file, loaded, server.control_token, generated))
        if state_file is not None and args.autosave > 0:
            state_file.start_autosave(args.autosave)
        while not stop.wait(3600):
            pass
        log.info("%s: stopping (finishing in-flight requests)", received[0])
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    status = 0
    if state_file is not None:
        if state_file.close():
            log.info("state saved to %s", state_file.path)
        else:
            status = 1
    return status


def seed_label(source: object) -> str:
    """How the banner names a seed: files shipped inside phemu by name only."""
    if isinstance(source, dict):
        return "<document>"
    path = Path(str(source))
    bundled = Path(__file__).resolve().parent / "data"
    return f"{path.name} (bundled)" if path.parent == bundled else str(source)


def show(text: str) -> None:
    """Print the banner; a reader that went away (``phemu serve | head -1``) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Later writes (and the interpreter's final flush) go nowhere instead of failing again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def banner(
    emulator: Emulator,
    url: str,
    state_file: str | None,
    loaded: bool,
    control_token: str | None = None,
    generated_token: str | None = None,
) -> str:
    """The start-up banner; the inspector line comes last (scripts read up to it)."""
    seeds = ", ".join(seed_label(s) for s in emulator.seed_sources) or "(none)"
    lines = [f"phemu {__version__} serving PostHog's API on {url}  (profile {emulator.profile})"]
    if state_file:
        lines.append(f"  state: {state_file} ({'loaded' if loaded else 'new'}; seeds: {seeds})")
    else:
        lines.append(f"  seeds: {seeds}")
    key = emulator.default_api_key
    if key:
        lines.append(f"  personal API key: {key}")
    if control_token is not None:
        shown = generated_token or "from --control-token/PHEMU_CONTROL_TOKEN"
        lines.append(f"  control token: {shown}  (send it as X-Phemu-Token)")
    lines.append(f"  inspector: {url}/_phemu/")
    return "\n".join(lines)
