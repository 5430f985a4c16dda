"""The MI board inside Airflow: an Airflow 3 plugin (a FastAPI app and a nav entry), not a web
server of its own. Registered by the `airflow.plugins` entry point in pyproject.toml.

    /mi-board/                              the board page for a week (`?since=YYYY-MM-DD`; default this week)
    /mi-board/api                           the same rows as JSON (`?since=&until=`)
    /mi-board/report/<report_id>/<period>   the archived whole report (HTML) of that period
    /mi-board/quality/                      the latest source data-quality page (and its trend)

Both need a signed-in Airflow user: FastAPI plugin routes are not protected by Airflow unless they
ask, and the board names staff and recipients.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import jinja2
import pendulum
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import HTMLResponse

from reporting import archive, settings
from reporting.board import ORDER, board, slice_names, week_of
from reporting.definitions import load_catalogue
from reporting.quality.source import quality_root
from reporting.schedules.timetables import local_tz

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("board_templates")),
                               autoescape=True, undefined=jinja2.StrictUndefined)
# "2026-10-19" -> "19 Oct 2026"; "2026-10-26T07:00:00+00:00" -> "Mon 26 Oct 07:00"
TEMPLATES.filters["day"] = lambda iso: date.fromisoformat(iso[:10]).strftime("%-d %b %Y")
TEMPLATES.filters["when"] = lambda iso: datetime.fromisoformat(iso).strftime("%a %-d %b %H:%M")


def create_app(authenticated=None) -> FastAPI:
    """The board's app; `authenticated` is the dependency that refuses an anonymous request
    (Airflow's `requires_authenticated()` by default)."""
    if authenticated is None:
        from airflow.api_fastapi.core_api.security import requires_authenticated

        authenticated = requires_authenticated()
    app = FastAPI(title="MI board", dependencies=[Depends(authenticated)])

    def window(since: date | None, until: date | None) -> tuple[date, date]:
        first = since or week_of(date.today())[0]
        last = until or first + timedelta(days=6)
        if last < first or (last - first).days > 92:
            raise HTTPException(422, "until must be on or after since, and at most 93 days later")
        return first, last

    @app.get("/api")
    def rows_as_json(since: date | None = None, until: date | None = None) -> list[dict]:
        first, last = window(since, until)
        return [r.as_json() for r in board(first, last, slice_name=slice_names())]

    @app.get("/report/{report_id}/{period_end}", response_class=HTMLResponse)
    def archived_report(report_id: str, period_end: date) -> str:
        """The whole report's HTML as archived: only a report of the catalogue, only the file its
        manifest vouches for, byte for byte (no path from the request reaches the filesystem)."""
        if report_id not in load_catalogue().reports:
            raise HTTPException(404, "no such report")
        folder = archive.period_dir(report_id, period_end.isoformat())
        name = f"{report_id}.html"
        try:
            recorded = archive.read_manifest(folder)["file_hashes"][name]
            data = (folder / name).read_bytes()
        except (OSError, ValueError, KeyError):
            raise HTTPException(404, "not archived for this period (yet)") from None
        if hashlib.sha256(data).hexdigest() != recorded:
            raise HTTPException(409, "the archived file does not match its manifest")
        return data.decode("utf-8")

    @app.get("/quality/{page}", response_class=HTMLResponse)
    def quality_page(page: Literal["index.html", "trend.html"]) -> str:
        try:
            return (quality_root() / page).read_text(encoding="utf-8")
        except OSError:
            raise HTTPException(404, "no source data-quality run is published yet") from None

    @app.get("/", response_class=HTMLResponse)
    def page(since: date | None = None, until: date | None = None) -> str:
        first, last = window(since, until)
        rows = board(first, last, slice_name=slice_names())
        counts = Counter(r.status for r in rows)
        return TEMPLATES.get_template("board.html.j2").render(
            rows=rows, since=first, until=last, now=pendulum.now(local_tz()),
            deadline_hours=settings.current().deadline_hours,
            counts=[(status, counts[status]) for status in ORDER if counts[status]])

    return app


class MIBoardPlugin(AirflowPlugin):
    """Loaded by the API server (entry point `airflow.plugins`): the page under Browse > MI board."""

    name = "mi_board"
    fastapi_apps = [{"app": create_app(), "url_prefix": "/mi-board", "name": "MI board"}]
    external_views = [{"name": "MI board", "href": "mi-board/", "url_route": "mi-board", "destination": "nav",
                       "category": "browse"}]
