"""`mi reports blocks`: the SQL building blocks, listed from their own comments (reporting/blocks_doc.py).

Registered on `reports_app` by the last line of reporting/cli/reports.py; this module does not import
that one, so the import graph stays one way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from reporting.blocks_doc import GUIDE, blocks_markdown, section_in, with_blocks
from reporting.cli.common import err


def reports_blocks(
    write: Annotated[bool, typer.Option("--write", help="Put the list into the guide, between its "
                                        "<!-- blocks:start --> and <!-- blocks:end --> markers.")] = False,
    guide: Annotated[Path, typer.Option(help="The guide to write into.")] = GUIDE,
) -> None:
    """Print every SQL building block (sql/_blocks/*.sql) with what it returns, or write the list
    into docs/adding-a-report.md.

    Example: mi reports blocks --write
    """
    section = blocks_markdown()
    if not write:
        typer.echo(section)  # plain text: a rich console would wrap the long lines
        return
    text = guide.read_text(encoding="utf-8")
    try:
        updated = with_blocks(text, section)
    except ValueError as error:
        err.print(f"[red]{escape(f'{guide}: {error}')}[/]")
        raise typer.Exit(1) from None
    if section_in(text) == section:
        err.print(f"{guide}: the building blocks are already current")
        return
    guide.write_text(updated, encoding="utf-8")
    err.print(f"wrote the building blocks into {guide}")
