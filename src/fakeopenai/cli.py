"""The ``fakeopenai`` command: ``serve``, ``check`` and ``schema``.

``serve`` runs uvicorn in the main thread (Ctrl+C works as usual) on a socket bound
before start-up, so the banner can name the real port even with ``--port 0``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from fakeopenai import __version__
from fakeopenai.errors import FakeOpenAIError, ScenarioError

HUMAN_TOKENS_PER_SECOND = 40.0  # settings.HUMAN_PACE's; here so --help costs no import

MIB = 1024 * 1024
GRACE_SECONDS = 2  # open streams get this long after Ctrl+C


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fakeopenai")
def main() -> None:
    """fakeopenai: an OpenAI-compatible server scripted by YAML scenarios."""


def _summary(scenarios: list[Any]) -> str:
    rules = sum(len(s.rules) for s in scenarios)
    names = ", ".join(s.name for s in scenarios)
    count = len(scenarios)
    return f"{count} scenario{'s' * (count != 1)}, {rules} rule{'s' * (rules != 1)} ({names})"


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0: any free port).",
)
@click.option("--seed", type=int, default=None, help="Seed for generated text, jitter, chaos.")
@click.option("--api-key", default=None, help="Require this key (Bearer or api-key header).")
@click.option("--reload", is_flag=True, help="Reload scenarios when their files change.")
@click.option("--cors-origin", multiple=True, help="Allow this browser origin (repeatable, *).")
@click.option("--control-token", default=None, help="Bearer token required for control writes.")
@click.option(
    "--max-body",
    default=32 * MIB,
    show_default=True,
    type=click.IntRange(min=1),
    help="Largest request body, in bytes.",
)
@click.option(
    "--journal-limit",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Requests kept in the journal.",
)
@click.option(
    "--journal-max-bytes",
    default=128 * MIB,
    show_default=True,
    type=click.IntRange(min=1),
    help="Request bodies kept in the journal in all, in bytes (oldest entries go first).",
)
@click.option(
    "--journal-body-max",
    default=256 * 1024,
    show_default=True,
    type=click.IntRange(min=1),
    help="Characters of one request body kept in the journal (the rest cut, marked).",
)
@click.option(
    "--head-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds for a request head to arrive whole (then 408 and close).",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds for a request body to arrive whole (then 408).",
)
@click.option(
    "--max-connections",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Open connections at once (more get a 503 and are closed).",
)
@click.option(
    "--no-validate-conversation",
    is_flag=True,
    help="Accept broken tool-call histories (the real API answers them with a 400).",
)
@click.option(
    "--emit-schema", is_flag=True, help="Add the read-only $schema field some gateways send."
)
@click.option(
    "--tokens-per-second",
    type=click.FloatRange(min=0, min_open=True),
    default=HUMAN_TOKENS_PER_SECOND,
    show_default=True,
    help="Streaming pace of replies without a latency of their own.",
)
@click.option(
    "--no-delay",
    is_flag=True,
    help="Answer at full speed (default: replies without a latency of their own are paced "
    "like a real model).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def serve(  # noqa: PLR0917 (click passes the options by keyword)
    paths: tuple[str, ...],
    host: str,
    port: int,
    seed: int | None,
    api_key: str | None,
    reload: bool,
    cors_origin: tuple[str, ...],
    control_token: str | None,
    max_body: int,
    journal_limit: int,
    journal_max_bytes: int,
    journal_body_max: int,
    head_timeout: float,
    body_timeout: float,
    max_connections: int,
    no_validate_conversation: bool,
    emit_schema: bool,
    tokens_per_second: float,
    no_delay: bool,
    log_level: str,
) -> None:
    """Serve the OpenAI API from scenario files or folders (none: generated text)."""
    from fakeopenai.app import create_app
    from fakeopenai.logs import configure_console
    from fakeopenai.serving import bind, settle_heap, tame_malloc
    from fakeopenai.settings import HUMAN_PACE, Core, Settings

    settings = Settings(
        seed=seed,
        api_key=api_key,
        max_body=max_body,
        default_latency=None
        if no_delay
        else HUMAN_PACE.model_copy(update={"tokens_per_second": tokens_per_second}),
        cors_origins=cor_list(cors_origin),
        control_token=control_token,
        journal_limit=journal_limit,
        journal_max_bytes=journal_max_bytes,
        journal_body_max=journal_body_max,
        body_timeout=body_timeout,
        validate_conversation=not no_validate_conversation,
        emit_schema=emit_schema,
    )
    try:
        core = Core.build(paths, settings=settings)
        sock = bind(host, port)
    except FakeOpenAIError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    configure_console(log_level)  # only once serving: the console belongs to the server
    app = create_app(core=core)
    settle_heap(app)  # this process only serves: its long-lived heap leaves the GC's care
    tame_malloc()  # and large freed blocks go back to the system
    # A worker thread making a large answer holds the GIL up to this long each turn, and
    # the event loop waits that long for it after every I/O wait: 5 ms (the default)
    # made a health check take ~200 ms under a 1 MB prompt; 1 ms keeps it far below.
    sys.setswitchinterval(0.001)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    loaded = _summary(list(core.engine.scenarios)) if paths else "the embedded default"
    click.echo(
        f"fakeopenai {__version__}: http://{shown}:{bound}/v1 serving {loaded}; "
        f"inspector http://{shown}:{bound}/_fakeopenai/"
    )
    for warning in _warnings(host, paths, reload, control_token):
        click.echo(warning, err=True)
    reloader = None
    if reload and paths:
        from fakeopenai.reload import Reloader

        reloader = Reloader(core.engine, list(paths)).start()
        click.echo(f"fakeopenai: watching {', '.join(paths)} for changes", err=True)
    try:
        _server(app, log_level, head_timeout, max_connections).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl+C after a clean shutdown
        pass
    finally:
        if reloader is not None:
            reloader.stop()


def _warnings(host: str, paths: tuple[str, ...], reload: bool, token: str | None) -> list[str]:
    """Set-ups that work but are probably not what was meant."""
    found = []
    if reload and not paths:
        found.append("fakeopenai: --reload has nothing to watch (no scenario paths given)")
    from fakeopenai.hostnames import is_loopback

    if not is_loopback(host) and token is None:
        found.append(
            f"fakeopenai: listening on {host}, reachable from other machines: control writes "
            "(PUT /_fakeopenai/scenarios, resets) arriving from beyond loopback are refused; "
            "give --control-token TOKEN to allow them with `Authorization: Bearer TOKEN`"
        )
    return found


def _server(app: Any, log_level: str, head_timeout: float, max_connections: int) -> Any:
    """uvicorn for ``app`` that ends inspector feeds as soon as shutdown starts."""
    import uvicorn

    from fakeopenai.inspector import signal_shutdown
    from fakeopenai.serving import raise_fd_limit, stamping_protocol

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: Any = None) -> None:
            signal_shutdown(app)
            await super().shutdown(sockets)

    config = uvicorn.Config(
        app,
        # Our own line per request replaces uvicorn's access log; its start-up lines
        # repeat the banner, so uvicorn speaks only for warnings (or when debugging).
        log_level="debug" if log_level == "debug" else "warning",
        access_log=False,
        lifespan="off",
        # A stalled stream (fault: stall_after) must not keep Ctrl+C from stopping us.
        timeout_graceful_shutdown=GRACE_SECONDS,
        http=stamping_protocol(
            head_timeout=head_timeout, max_connections=raise_fd_limit(max_connections)
        ),
    )
    return Server(config)


def cor_list(origins: tuple[str, ...]) -> tuple[str, ...]:
    """Origins in the form browsers send them, without duplicates."""
    from fakeopenai.cors import normalise_origin

    try:
        return tuple(dict.fromkeys(normalise_origin(o) for o in origins))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--cors-origin") from None


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def check(paths: tuple[str, ...]) -> None:
    """Validate scenario files; exit 1 with every problem found."""
    from fakeopenai.loader import load_paths

    try:
        scenarios = load_paths(list(paths))
    except ScenarioError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"fakeopenai: OK: {_summary(scenarios)}")


@main.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for yaml-language-server)."""
    from fakeopenai.scenario import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


from fakeopenai.recording.commands import import_, record  # noqa: E402  (click only)

main.add_command(record)
main.add_command(import_)
