"""`mi reports preview`: a report served on 127.0.0.1 and re-rendered as its definition is written."""

from __future__ import annotations

import signal
from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from reporting.cli.common import err, out, run_date_option


def preview_command(
    report_id: str,
    as_at: Annotated[date, run_date_option("Run date: the report covers its latest complete period.")],
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="Port on 127.0.0.1 (0: any free port; the URL is printed).")] = 8765,
) -> None:
    """Serve one report's HTML on 127.0.0.1 and re-render it (the browser reloads) whenever its .yml,
    .sql or its own template changes; problems show on the page above the last good render. Ctrl-C stops it.

    Example: mi reports preview cp_visits_due_next_week --as-at 2026-10-26 --port 0
    """
    from reporting.errors import MIError
    from reporting.preview import Preview

    try:
        preview = Preview(report_id, as_at, port=port, say=lambda message: err.print(escape(message)))
    except (KeyError, MIError) as error:  # no such report; the case database cannot be used
        err.print(f"[red]{escape(str(error.args[0] if isinstance(error, KeyError) else error))}[/]")
        raise typer.Exit(1) from None
    try:
        preview.bind()
    except OSError as error:
        err.print(f"[red]cannot listen on 127.0.0.1:{port}: {escape(error.strerror or str(error))}; "
                  "try another --port (0 picks a free one)[/]")
        preview.stop()
        raise typer.Exit(1) from None
    # Ctrl-C stops it even when it was started with SIGINT ignored (a script's background job, or a
    # parent that ignores it): Python then leaves SIGINT ignored, and the preview would never stop.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        preview.start()
        out.print(f"previewing {report_id} at {preview.url} (watching {', '.join(p.name for p in preview.watched())}; "
                  "Ctrl-C stops)")
        preview.wait()
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()
    err.print("preview stopped")
