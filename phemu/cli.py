"""The ``phemu`` command line: ``phemu serve`` runs the emulator as an HTTP server."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence

from phemu import __version__

EXAMPLES = """examples:
  phemu serve                                  # default seed + sample sessions on :8000
  phemu serve --port 0                         # pick a free port and print it
  phemu serve --seed fixtures/demo.json        # default seed, then a document of your own
  phemu serve --no-default-seed --seed my.json --profile cloud
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="phemu", description="An in-memory PostHog API emulator.")
    parser.add_argument("--version", action="version", version=f"phemu {__version__}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser(
        "serve",
        help="run the emulator as an HTTP server",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default=os.environ.get("PHEMU_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PHEMU_PORT", "8000")))
    serve.add_argument(
        "--seed",
        action="append",
        default=[],
        metavar="FILE",
        help="JSON seed document (repeatable)",
    )
    serve.add_argument(
        "--no-default-seed", action="store_true", help="do not load the default seed"
    )
    serve.add_argument("--profile", choices=("docs", "cloud"), default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "serve":
        build_parser().print_help()
        return 0
    return serve(args)


def serve(args: argparse.Namespace) -> int:
    from phemu.emulator import Emulator
    from phemu.errors import ConfigurationError
    from phemu.errors import SeedError
    from phemu.resources.sessions import SAMPLE_SEED_PATH
    from phemu.server import ThreadedServer

    try:
        # The default server also loads the sample session data (sessions.md; fixtures/README.md).
        extra = [] if args.no_default_seed else [SAMPLE_SEED_PATH]
        emulator = Emulator(
            profile=args.profile,
            seeds=[*extra, *args.seed],
            default_seed=not args.no_default_seed,
        )
    except (SeedError, ConfigurationError) as error:
        print(f"phemu: {error}", file=sys.stderr)
        return 2
    server = ThreadedServer(emulator, host=args.host, port=args.port)
    try:
        server.start()
    except OSError as error:
        print(f"phemu: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    seeds = ", ".join(str(s) for s in emulator.seed_sources) or "(none)"
    print(
        f"phemu {__version__} serving PostHog's API on {server.url}  (profile {emulator.profile})"
    )
    print(f"  seeds: {seeds}")
    if emulator.default_api_key:
        print(f"  personal API key: {emulator.default_api_key}")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
