"""``fakeopenai record`` and ``fakeopenai import``. Importing this module costs click
only: httpx, the server stack and YAML load when a command runs."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import click

INSTALL_HINT = (
    "fakeopenai: recording needs httpx, which is not installed. "
    "Install the extra: pip install 'pytest-fakeopenai[record]'"
)
DEFAULT_OUT = "scenarios/recorded.yaml"
SWITCH_INTERVAL = 0.001  # seconds (CPython's default: 0.005)


def need_httpx() -> None:
    """Exit with the install line when httpx is missing."""
    try:
        import httpx  # noqa: F401
    except ImportError:
        click.echo(INSTALL_HINT, err=True)
        sys.exit(1)


@click.command()
@click.option(
    "--upstream",
    default="https://api.openai.com/v1",
    show_default=True,
    help="Where requests go; the path after the base prefix is appended "
    "({deployment} is replaced by an Azure deployment name).",
)
@click.option("--out", default=DEFAULT_OUT, show_default=True, type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--redact",
    multiple=True,
    metavar="NAME",
    help="Also keep this header, or dotted JSON body path, off disk (repeatable).",
)
@click.option("--timing", is_flag=True, help="Keep the observed latency so replays keep pace.")
@click.option("--append", is_flag=True, help="Add to the rules already in --out.")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def record(  # noqa: PLR0917 (click passes the options by keyword)
    upstream: str,
    out: str,
    host: str,
    port: int,
    redact: tuple[str, ...],
    timing: bool,
    append: bool,
    log_level: str,
) -> None:
    """Record real traffic as a scenario: a proxy on the paths `serve` answers."""
    need_httpx()
    from fakeopenai.errors import FakeOpenAIError
    from fakeopenai.logs import configure_console
    from fakeopenai.recording.proxy import RecordingProxy
    from fakeopenai.recording.recfile import RecordingFile
    from fakeopenai.recording.redact import Redactor
    from fakeopenai.serving import bind

    recording = RecordingFile(
        out,
        description=f"Recorded from {upstream}.",
        redactor=Redactor(redact),
        keep=append,
        instant=not timing,
    )
    recording.write()
    proxy = RecordingProxy(upstream, recording, timing=timing)
    try:
        sock = bind(host, port)
    except FakeOpenAIError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    configure_console(log_level)
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"fakeopenai: recording http://{shown}:{sock.getsockname()[1]}/v1 -> {upstream} "
        f"into {out}{' (with timing)' if timing else ''}"
    )
    _serve(proxy, sock, log_level)


def _serve(proxy: Any, sock: Any, log_level: str) -> None:
    import uvicorn

    from fakeopenai.budgets.connections import MAX_CONNECTIONS
    from fakeopenai.serving import raise_fd_limit, stamping_protocol

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    _settle()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await proxy.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await proxy(scope, receive, send)

    config = uvicorn.Config(
        app,
        log_level="debug" if log_level == "debug" else "warning",
        access_log=False,
        ws="none",  # (no WebSocket routes: and importing websockets takes ~0.3 s)
        timeout_graceful_shutdown=2,
        # Longer than the 5 s an httpx client (the SDKs') keeps an idle connection:
        # closing at the same 5 s, a request could meet a connection being closed.
        timeout_keep_alive=30,
        # Nothing reads the client's address or scheme (as under ``serve``).
        proxy_headers=False,
        # serve's protocol: head and body timeouts, the connection cap, one write per
        # answer (``serving.stamping_protocol``)
        http=stamping_protocol(max_connections=raise_fd_limit(MAX_CONNECTIONS)),
    )
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl+C after stopping
        uvicorn.Server(config).run(sockets=[sock])


def _settle() -> None:
    """This process only proxies: what is alive at start-up lives as long as it does, so
    it leaves the garbage collector's care (fewer, shorter pauses in every stream; see
    ``heap.settle_heap``). And the GIL changes hands every 1 ms, not 5: the recorder
    thread's work (``recorder``) is CPU under the GIL, and a piece that arrives while it
    runs waits for the loop to get the GIL back, up to one switch interval."""
    import gc

    from fakeopenai.heap import YOUNG_THRESHOLD

    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    sys.setswitchinterval(SWITCH_INTERVAL)


@click.command(name="import")
@click.argument("cassettes", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", default=DEFAULT_OUT, show_default=True, type=click.Path(dir_okay=False))
@click.option("--redact", multiple=True, metavar="NAME", help="As for record (repeatable).")
def import_(cassettes: tuple[str, ...], out: str, redact: tuple[str, ...]) -> None:
    """Turn VCR cassettes (vcrpy, pytest-recording) into a scenario."""
    from fakeopenai.recording.importing import import_cassettes
    from fakeopenai.recording.recfile import RecordingFile
    from fakeopenai.recording.redact import Redactor

    recording = RecordingFile(
        out, description=f"Imported from {', '.join(cassettes)}.", redactor=Redactor(redact)
    )
    try:
        rules, notes = import_cassettes(list(cassettes), recording)
    except ValueError as exc:
        click.echo(f"fakeopenai: {exc}", err=True)
        sys.exit(1)
    for note in notes:
        click.echo(f"fakeopenai: skipped {note}", err=True)
    recording.write()
    click.echo(f"fakeopenai: {rules} exchange{'s' * (rules != 1)} -> {out}")
