"""Preview while writing (`mi reports preview`): one report's HTML served on 127.0.0.1, re-rendered
when its definition changes, and reloaded in the browser.

The HTML is made the way `mi reports render` makes it (`load_definition`, the latest complete
period at the run date, `runner.run_report` with the HTML format only), into a private temporary
archive, so the preview shows the same figures and template as the real report. The page the
browser gets is that HTML with a small script added that polls `/version` and reloads when a new
render is ready; the script is added when the page is served, never to a rendered file.
`/report.html` serves the rendered HTML exactly as `mi reports render` writes it.

The watcher polls the contents of the definition's `.yml` and `.sql` (and its template when it
sits beside the YAML). A broken definition shows its problems (the messages `mi reports validate`
prints) above the last good render, and the preview keeps watching. Console messages name files,
periods and counts, never a row value.
"""

from __future__ import annotations

import hashlib
import html
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine

from reporting.casedb import readonly
from reporting.definitions import DefinitionLoadError, definition_paths, load_definition
from reporting.errors import MIError
from reporting.query_check import check_query
from reporting.render import template_problems
from reporting.runner import run_report  # imported now: the first render after a broken start is quick
from reporting.schedules.periods import latest_complete_period

HOST = "127.0.0.1"  # never another interface: the page holds child-level data
DEFAULT_PORT = 8765
POLL_SECONDS = 0.5
SETTLE_SECONDS = 0.1  # a changed file is read again after this, until it stops changing
RELOAD_SCRIPT_ID = "mi-preview-reload"  # marks the injected script (tests look for it)
PROBLEMS_ID = "mi-preview-problems"

_RELOAD_SCRIPT = """<script id="{id}">
(function () {{
  var shown = "{version}";
  function poll() {{
    fetch("/version", {{cache: "no-store"}})
      .then(function (r) {{ return r.text(); }})
      .then(function (v) {{ if (v.trim() !== shown) {{ location.reload(); }} else {{ setTimeout(poll, 500); }} }})
      .catch(function () {{ setTimeout(poll, 2000); }});
  }}
  setTimeout(poll, 500);
}})();
</script>
"""
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def find_definition(report_id: str) -> Path:
    """The YAML file of `report_id` under the definitions folder (MI_SQL_DIR), found by name so a
    definition that does not load yet can still be previewed; KeyError when there is none."""
    for path in definition_paths():
        if path.stem == report_id:
            return path
    raise KeyError(f"no report {report_id!r}; `mi reports list` shows the catalogue")


def one_line(message: str) -> str:
    """A message on one console line."""
    return " ".join(message.split())


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Preview:
    """One report previewed at one run date: render, serve, watch.

    `start()` binds the server, renders once and starts the server and watcher threads;
    `stop()` ends both. `render()` and `poll()` each do one step on their own.
    """

    def __init__(self, report_id: str, as_at: date, *, engine: Engine | None = None, port: int = DEFAULT_PORT,
                 interval: float = POLL_SECONDS, say: Callable[[str], None] = _stderr):
        self.report_id = report_id
        self.as_at = as_at
        self.yaml_path = find_definition(report_id)
        self.sql_path = self.yaml_path.with_suffix(".sql")
        self._own_engine = engine is None
        self.engine = engine or readonly.case_engine()
        self.port = port
        self.interval = interval
        self.say = say
        self.version = 0
        self.html: str | None = None  # the last good render, as `mi reports render` writes it
        self.problems: list[str] = []  # what is wrong with the definition now (empty: the render is current)
        self._template: Path | None = None  # the definition's template when it sits beside the YAML
        self._seen: dict[Path, str | None] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: ThreadingHTTPServer | None = None
        self._archive = tempfile.TemporaryDirectory(prefix="mi-preview-")  # private (0700), removed on stop

    # ---- rendering -------------------------------------------------------------------------------
    def render(self) -> bool:
        """Render the report now; True when it rendered, False when the definition has problems
        (shown on the page above the last good render)."""
        started = time.perf_counter()
        problems: list[str] = []
        rendered: str | None = None
        summary = ""
        try:
            definition = load_definition(self.yaml_path)
            beside = self.yaml_path.parent / definition.spec.template
            self._template = beside if beside.is_file() else None
            # the checks `mi reports validate` makes, in its words: the template, then the query run
            # for no rows (its line in the .sql file, a misspelt column's nearest name)
            problems = template_problems(definition.yaml_path, definition.spec.template)
            problems = problems or [str(p) for p in check_query(definition, self.engine, as_at=self.as_at)]
            if not problems:
                period = latest_complete_period(definition.spec.cadence, self.as_at)
                result = run_report(definition, self.engine, period, period.end, formats=["html"],
                                    archive_root=Path(self._archive.name))
                rendered = Path(result.outputs["html"]).read_text(encoding="utf-8")
                summary = f"{result.rows} rows for {period.start} to {period.end}"
        except DefinitionLoadError as error:
            problems = [str(e) for e in error.errors]
        except MIError as error:  # SQL, template, case database: the message says what to fix
            problems = [str(error)]
        except Exception as error:  # noqa: BLE001 - shown as `mi reports render` shows it; the preview keeps running
            problems = [f"{self.report_id} failed: {error}"]
        seconds = time.perf_counter() - started
        with self._lock:
            if rendered is not None:
                self.html = rendered
            self.problems = problems
            self.version += 1
        if problems:
            for problem in problems:
                self.say(f"✗ {one_line(problem)}")
        else:
            self.say(f"rendered {self.report_id}: {summary} in {seconds:.1f} s")
        return not problems

    # ---- watching --------------------------------------------------------------------------------
    def watched(self) -> list[Path]:
        """The files whose change re-renders the report."""
        return [self.yaml_path, self.sql_path] + ([self._template] if self._template else [])

    @staticmethod
    def _fingerprint(path: Path) -> str | None:
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None

    def _contents(self) -> dict[Path, str | None]:
        return {path: self._fingerprint(path) for path in self.watched()}

    def _remember(self) -> None:
        for path in self.watched():
            self._seen.setdefault(path, self._fingerprint(path))

    def poll(self) -> bool:
        """Look at the watched files once; re-render when one changed. True when it re-rendered."""
        now = self._contents()
        changed = [path for path, print_ in now.items() if self._seen.get(path) != print_]
        if not changed:
            return False
        # an editor may write a file in pieces: wait until two looks agree (at most a second)
        for _ in range(10):
            time.sleep(SETTLE_SECONDS)
            again = self._contents()
            if again == now:
                break
            now = again
        self._seen = now
        self.say(f"change seen in {', '.join(p.name for p in changed)}, re-rendering")
        self.render()
        self._remember()  # a template the definition now names
        return True

    def _watch(self) -> None:
        while not self._stopping.wait(self.interval):
            self.poll()

    # ---- serving ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def page(self) -> str:
        """The page the browser gets: the problems (if any) above the last good render, and the
        reload script."""
        with self._lock:
            version, rendered, problems = self.version, self.html, list(self.problems)
        script = _RELOAD_SCRIPT.format(id=RELOAD_SCRIPT_ID, version=version)
        banner = ""
        if problems:
            items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
            below = "the last good render is below" if rendered is not None else "nothing has rendered yet"
            banner = (f'<div id="{PROBLEMS_ID}" style="border:3px solid #b00020;background:#fdecea;color:#222;'
                      'padding:0.6em 1em;margin:0 0 1em;font:14px/1.4 sans-serif;white-space:pre-wrap">'
                      f"<strong>Preview of {html.escape(self.report_id)}: the definition has a problem "
                      f"({below}); fix it and save.</strong><ul>{items}</ul></div>\n")
        if rendered is None:
            return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Preview: "
                    f"{html.escape(self.report_id)}</title></head>\n<body>\n{banner}{script}</body></html>\n")
        document = rendered
        if banner:
            opening = _BODY_OPEN.search(document)
            at = opening.end() if opening else 0
            document = document[:at] + "\n" + banner + document[at:]
        closing = document.lower().rfind("</body>")
        return document[:closing] + script + document[closing:] if closing >= 0 else document + script

    def bind(self) -> None:
        """Listen on 127.0.0.1 at the port (0: any free one, then `self.port` says which)."""
        self._server = _Server((HOST, self.port), _handler(self))
        self.port = self._server.server_address[1]

    def start(self) -> None:
        """Bind, render once, then serve and watch in background threads."""
        if self._server is None:
            self.bind()
        self._remember()
        self.render()
        self._remember()
        server = self._server
        assert server is not None
        self._threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                          name="mi-preview-server", daemon=True),
                         threading.Thread(target=self._watch, name="mi-preview-watch", daemon=True)]
        for thread in self._threads:
            thread.start()

    def wait(self) -> None:
        """Block until `stop()` (or Ctrl-C, which raises KeyboardInterrupt here)."""
        while not self._stopping.wait(0.5):
            pass

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            if self._threads:
                self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        if self._own_engine:
            self.engine.dispose()
        self._archive.cleanup()

    def snapshot(self) -> tuple[int, str | None, list[str]]:
        with self._lock:
            return self.version, self.html, list(self.problems)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # a browser that closed the connection mid-answer is not worth a traceback; anything else is
        # one console line, and the server keeps serving
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            _stderr(f"preview server: {type(error).__name__}: {error}")


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "mi-preview"

        def do_GET(self) -> None:  # the name http.server calls
            # A page elsewhere in the browser may point its own host name at 127.0.0.1 (DNS
            # rebinding): answer only requests addressed to this server by name.
            host = self.headers.get("Host")
            if host is not None and host not in (f"{HOST}:{preview.port}", f"localhost:{preview.port}"):
                self._send(HTTPStatus.FORBIDDEN, "text/plain", "preview answers on 127.0.0.1 only\n")
                return
            path = urlsplit(self.path).path
            if path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, "text/html", preview.page())
            elif path == "/version":
                self._send(HTTPStatus.OK, "text/plain", str(preview.snapshot()[0]))
            elif path == "/report.html":
                rendered = preview.snapshot()[1]
                if rendered is None:
                    self._send(HTTPStatus.NOT_FOUND, "text/plain", "nothing has rendered yet\n")
                else:
                    self._send(HTTPStatus.OK, "text/html", rendered)
            else:
                self._send(HTTPStatus.NOT_FOUND, "text/plain", "not found\n")

        def _send(self, status: HTTPStatus, kind: str, body: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:
            pass  # one line per request would drown the render messages

    return Handler
