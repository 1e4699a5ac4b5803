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
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Processes sharing the port; each keeps its own journal and counters.",
)
@click.option(
    "--http",
    type=click.Choice(["auto", "httptools", "h11"]),
    default="auto",
    envvar="FAKEOPENAI_HTTP",
    show_default=True,
    help="HTTP parser (auto: httptools when installed).",
)
@click.option(
    "--loop",
    type=click.Choice(["auto", "uvloop", "asyncio"]),
    default="auto",
    envvar="FAKEOPENAI_LOOP",
    show_default=True,
    help="Event loop (auto: uvloop when installed).",
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
    workers: int,
    http: str,
    loop: str,
    log_level: str,
) -> None:
    """Serve the OpenAI API from scenario files or folders (none: generated text)."""
    from fakeopenai.logs import configure_console
    from fakeopenai.serving import bind
    from fakeopenai.settings import HUMAN_PACE, Core, Settings
    from fakeopenai.stack import resolve

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
        stack = resolve(http, loop)  # (click has checked the names)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    try:
        core = Core.build(paths, settings=settings)
        sock = bind(host, port)
    except FakeOpenAIError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    configure_console(log_level)  # only once serving: the console belongs to the server
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    loaded = _summary(list(core.engine.scenarios)) if paths else "the embedded default"
    processes = f" in {workers} processes" if workers > 1 else ""
    click.echo(
        f"fakeopenai {__version__}: http://{shown}:{bound}/v1 serving {loaded}{processes}; "
        f"inspector http://{shown}:{bound}/_fakeopenai/"
    )
    for warning in _warnings(host, paths, reload, control_token):
        click.echo(warning, err=True)
    from fakeopenai.standalone import serve_forked, serve_here

    def serve_one(parent: int | None = None, number: int = 0) -> None:
        watch = list(paths) if reload else []
        serve_here(
            core,
            sock,
            stack,
            log_level,
            bounds=(head_timeout, max_connections),
            watch=watch,
            parent=parent,
            announce=number == 0,
        )

    if workers == 1:
        serve_one()
        return
    try:
        sys.exit(serve_forked(workers, serve_one))
    except FakeOpenAIError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


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
