"""Render a report's rows to a self-contained HTML document with Jinja.

Context contract (every key is required unless marked optional; templates use
``StrictUndefined``, so a missing key fails the render instead of printing a
blank):

``report`` (dict)
    ``id`` (str), ``title`` (str), ``description`` (str),
    ``classification`` (str, e.g. ``"OFFICIAL-SENSITIVE"``),
    ``standard`` (optional str: the national standard / guidance the measure
    follows), ``counting_note`` (optional str: the counting convention).
``period`` (dict)
    ``start``, ``end``, ``as_at``: ``datetime.date``.
``generated_at`` (str)
    Already formatted for display, e.g. ``"01 Nov 2026 06:05"``.
``columns`` (list of dict)
    ``name`` (key in each row), ``label`` (header text), ``type`` (one of
    ``text``, ``date``, ``datetime``, ``int``, ``decimal``, ``percent``),
    ``format`` (optional: overrides ``type`` for display, same vocabulary),
    ``rag`` (optional: name of the row key holding ``red``/``amber``/``green``
    or ``None`` for that cell). ``percent`` values are on a 0-100 scale
    (87.5 means 87.5%), which is how the SQL computes them.
``rows`` (list of dict)
    One dict per row, keyed by column ``name``. ``None`` renders as "".
    Dates may be ``date``/``datetime`` or ISO strings.
``summaries`` (list of dict)
    ``{title, columns, rows, chart}`` where ``columns``/``rows`` follow the
    rules above and ``chart`` is optional:
    ``{"kind": "bar", "series": [{"label", "value"}, ...]}`` or
    ``{"kind": "line", "points": [{"label", "value"}, ...]}``.
``data_quality`` (list of dict)
    ``{check, severity, failing_rows, meaning}``; empty list when clean.
``slice_label`` (optional str)
    e.g. ``"Team: CIN 2"`` when the report is one slice of a larger one.
``row_cap`` (optional dict)
    ``{shown, total, spreadsheet}``: the PDF copy of a long list shows the first ``shown`` rows
    and a notice naming the ``spreadsheet`` (e.g. ``"cin_visits.xlsx / .csv"``) that holds all
    ``total``. Set by ``reporting.runner.render_report`` for the PDF only.
``part_of_report`` (optional bool)
    The copy is a part of the report (a burst slice, a service's or partner's copy): its list
    reads as that part's (``reporting.render.listing``: columns with one value on every row in the
    heading, rows grouped by allocated worker, how many records are red). Absent or false: the
    whole report, every column in the table.
``slice_columns`` (optional list of str)
    The columns a burst slice was cut by (its burst key and label), named in the heading even
    when the slice has a single row.
``since_last`` (optional dict)
    ``{compared_with, new, resolved, still_overdue, reason, key, new_keys, overdue_keys}`` from
    :mod:`reporting.since_last`: the list against the previous period's list of the same copy
    (``compared_with`` None: nothing to compare with, ``reason`` says why). A row whose ``key``
    column value (as text) is in ``new_keys`` is marked "New", in ``overdue_keys`` "Still overdue".
``kpis`` (optional list of dict)
    Keyword arguments for the ``kpi_tile`` macro
    (``label, value, target, rag, direction, benchmark``).
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from reporting.errors import MIError
from reporting.text import area_name, lower_first, written_date, written_month

from .listing import list_layout

if TYPE_CHECKING:
    from _typeshed import ConvertibleToFloat, ConvertibleToInt

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "report_templates"

NUMERIC_KINDS = frozenset({"int", "decimal", "percent"})
SUPPRESSED = "c"  # the DfE symbol for a suppressed count (reporting.disclosure)
KINDS = NUMERIC_KINDS | {"text", "date", "datetime", "month"}
# Kinds shown as calendar dates: they do not wrap and are set apart as dates in a table.
DATE_KINDS = frozenset({"date", "datetime", "month"})
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green"}


class TemplateRenderError(MIError, RuntimeError):
    """A report template failed to compile or render.

    The message always starts with ``<template>:<line>`` so a scheduler
    failure notice points straight at the fault.
    """

    def __init__(self, template: str, line: int | None, message: str):
        self.template = template
        self.line = line
        super().__init__(f"{template}:{line if line else '?'}: {message}")


def as_date(value: object) -> dt.date:
    """Coerce a date-like value (``date``, ``datetime``, ISO string) to ``date``.

    :param value: value from a query row.
    :returns: the calendar date.
    :raises ValueError: if the value is not date-like.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    raise ValueError(f"not a date: {value!r}")


def as_datetime(value: object) -> dt.datetime:
    """Coerce a datetime-like value (``datetime``, ``date``, ISO string)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    raise ValueError(f"not a datetime: {value!r}")


def fmt(value: object, kind: str = "text") -> str:
    """Format one cell for display.

    :param value: raw value; ``None`` gives ``""``.
    :param kind: ``text``, ``date`` ("5 Oct 2026", as headers and e-mails write a date), ``datetime``
        ("5 Oct 2026 14:30"), ``month`` ("Oct 2026", from "2026-10"), ``int`` ("12,345"), ``decimal`` ("1,234.5"),
        ``percent`` ("87.5%", value on a 0-100 scale).
    :returns: display string (not yet HTML-escaped).
    """
    if value is None:
        return ""
    if value == SUPPRESSED:  # disclosure control: a small count shown as "c", whatever the kind
        return SUPPRESSED
    if kind == "date":
        return written_date(as_date(value))
    if kind == "datetime":
        t = as_datetime(value)
        return f"{written_date(t)} {t:%H:%M}"
    if kind == "month":
        return written_month(cast("dt.date | str", value))
    if kind == "int":
        return f"{round(float(value)):,}" if isinstance(value, float) else f"{int(cast('ConvertibleToInt', value)):,}"
    if kind == "decimal":
        return f"{float(cast('ConvertibleToFloat', value)):,.1f}"
    if kind == "percent":
        return f"{float(cast('ConvertibleToFloat', value)):.1f}%"
    if kind == "text":
        return str(value)
    raise ValueError(f"unknown format kind {kind!r}")


def longdate(value: object) -> str:
    """Format a date as "1 Oct 2026" (no leading zero), for prose and headers."""
    return written_date(as_date(value))


def col_kind(column: Mapping) -> str:
    """The display kind of a column: its ``format`` if set, else its ``type``."""
    kind = column.get("format") or column["type"]
    if kind not in KINDS:
        raise ValueError(f"column {column.get('name')!r}: unknown kind {kind!r}")
    return kind


def cell_specs(columns: list[Mapping]) -> list[dict]:
    """Per column, what a table body cell needs: name, display kind, RAG column, and its class
    when it shows no RAG status (num for numbers; date for dates, except in a RAG column)."""
    specs = []
    for column in columns:
        kind = col_kind(column)
        numeric = kind in NUMERIC_KINDS
        rag = column.get("rag")
        css = "num" if numeric else ("date" if kind in DATE_KINDS and not rag else "")
        specs.append({"name": column["name"], "kind": kind, "rag": rag, "numeric": numeric, "css": css})
    return specs


def rag_label(status: str) -> str:
    """Text label for a RAG status, so the status never relies on colour alone."""
    try:
        return RAG_LABELS[status]
    except KeyError:
        raise ValueError(f"RAG status must be red/amber/green, got {status!r}") from None


# Column widths for the fixed table layout come from this many rows (a long list's first rows
# are representative); a column wider than MAX_CHARS wraps rather than starve the others.
WIDTH_SAMPLE_ROWS = 200
MIN_CHARS, MAX_CHARS = 3, 40
PAGE_CHARS = 180  # lower-case characters of the condensed 8.5 pt table face across landscape A4
RAG_TAG_CHARS = 7  # the " AMBER" tag beside a RAG cell's value
CELL_PADDING_CHARS = 2.5
# Advance widths of the table's face (DejaVu Sans Condensed) in average lower-case letters,
# measured from the font to the nearest 0.05 (Pillow, ImageFont.getlength); any other character
# counts as one letter. An address is one unbreakable word: counting "@" and "m" as average
# letters left it a column narrower than itself, and it wrapped mid-word.
_WIDTHS = {ch: width for width, chars in (
    (0.5, "'IJijl"), (0.55, " ,."), (0.6, "/:;\\f|"), (0.65, "-"), (0.7, "!()[]t"), (0.75, "r"), (0.8, '"'),
    (0.9, "*_`s"), (0.95, "?z"), (1.05, "Pkvxy"), (1.1, "ETYaeo"), (1.15, "$0123456789KSbdghnpqu{}"),
    (1.2, "ABVXZ"), (1.25, "CR"), (1.3, "U"), (1.35, "DHN"), (1.4, "&GOQ"), (1.45, "w"), (1.5, "#+<=>^~"),
    (1.55, "M"), (1.7, "%"), (1.75, "Wm"), (1.8, "@"),
) for ch in chars}


def _chars(text: str) -> float:
    """Width of `text` in average lower-case letters of the table's face."""
    return sum(_WIDTHS.get(ch, 1.0) for ch in text)


def column_widths(columns: list[Mapping], rows: list[Mapping]) -> list[float]:
    """Percent widths for a data table's columns, from the text each column will show.

    With ``table-layout: fixed`` WeasyPrint takes the widths from ``<col>`` instead of measuring
    every cell of every row (most of its time on a long list). This does what the automatic
    layout would, on a sample and in characters: each column gets at least its longest word
    (whole values for numbers and dates, which do not wrap), and the room left over goes to the
    columns whose values would otherwise wrap, in proportion to how much they need.
    """
    sample = rows[:WIDTH_SAMPLE_ROWS]
    least, most = [], []
    for col in columns:
        kind = col_kind(col)
        texts = [fmt(row[col["name"]], kind) for row in sample]
        label = str(col["label"])
        if kind in NUMERIC_KINDS or kind in DATE_KINDS:  # values do not wrap; headers do
            low = high = max([*map(_chars, texts), *(_chars(w) for w in label.split())], default=0)
        else:
            low = max((_chars(w) for t in [label, *texts] for w in t.split()), default=0)
            high = max([low, *map(_chars, texts)])
        extra = RAG_TAG_CHARS if col.get("rag") else 0
        least.append(min(max(low, MIN_CHARS), MAX_CHARS) + extra + CELL_PADDING_CHARS)
        most.append(min(max(high, MIN_CHARS), MAX_CHARS) + extra + CELL_PADDING_CHARS)
    room = PAGE_CHARS - sum(least)
    want = sum(m - n for m, n in zip(most, least))
    if room >= want:
        chars = most
    else:
        share = max(room, 0) / want if want else 0
        chars = [n + (m - n) * share for m, n in zip(most, least)]
    total = sum(chars) or 1
    return [round(100 * c / total, 1) for c in chars]


def template_environment(extra_dirs: Iterable[Path] = ()) -> jinja2.Environment:
    """The Jinja environment used for every report, one per search path and process.

    Reused because compiling the shared templates (base, macros, print.css) cost more than
    rendering them: a run of every report with its slices compiled them 2,000 times. The
    loader still checks each file's modification time, so an edited template is picked up.

    :param extra_dirs: directories searched before ``report_templates/``, so a
        report can ship its own template or override a shared one.
    :returns: an environment with ``StrictUndefined``, autoescaping and the
        ``fmt``, ``longdate`` and ``col_kind`` filters.
    """
    return _environment(tuple(str(Path(d)) for d in extra_dirs) + (str(TEMPLATE_DIR),))


def template_problems(yaml_path: Path, template: str) -> list[str]:
    """A definition's template must exist (beside its YAML or in report_templates/) and compile:
    what `mi reports validate` and `mi reports preview` check before rendering, in one wording."""
    try:
        template_environment([yaml_path.parent]).get_template(template)
    except jinja2.TemplateNotFound:
        return [f"{yaml_path} (field: template): {template!r} not found beside the YAML or in report_templates/"]
    except jinja2.TemplateSyntaxError as error:
        return [f"{yaml_path} (field: template): {error.name or template} line {error.lineno}: {error.message}"]
    return []


def _trend_svg(trend: Mapping) -> Markup:
    from .trend_chart import trend_svg  # matplotlib loads only when a chart is drawn

    return Markup(trend_svg(trend))


def _trend_summary(trend: Mapping) -> str:
    from .trend_chart import summary

    return summary(trend)


def _chart(name: str):
    """A function of reporting.render.charts for the templates, imported when first called (matplotlib
    loads only when a chart is drawn); an SVG comes back as markup, a sentence as text."""
    def call(*args):
        from . import charts

        out = getattr(charts, name)(*args)
        return Markup(out) if name.endswith("_svg") else out

    return call


@lru_cache(maxsize=64)
def _environment(search_path: tuple[str, ...]) -> jinja2.Environment:
    # Sandboxed: a data officer's template (beside the report's YAML) is untrusted input, and
    # `{{ cycler.__init__.__globals__.os }}` in a plain environment reaches the os module.
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(list(search_path)),
        undefined=jinja2.StrictUndefined,
        # Autoescape everything, including print.css and .j2 files: select_autoescape
        # would miss ".html.j2", and row values are untrusted text.
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fmt"] = fmt
    env.filters["longdate"] = longdate
    env.filters["col_kind"] = col_kind
    env.filters["area_name"] = area_name
    env.filters["lower_first"] = lower_first  # a label inside a sentence
    env.globals["rag_label"] = rag_label
    env.globals["cell_specs"] = cell_specs
    env.globals["column_widths"] = column_widths
    env.globals["numeric_kinds"] = NUMERIC_KINDS
    env.globals["bar_svg"] = _chart("bar_svg")
    env.globals["line_svg"] = _chart("line_svg")
    env.globals["bar_summary"] = _chart("bar_summary")
    env.globals["line_summary"] = _chart("line_summary")
    env.globals["trend_svg"] = _trend_svg
    env.globals["trend_summary"] = _trend_summary
    env.globals["list_layout"] = list_layout
    return env


def _template_frame(exc: BaseException) -> tuple[str, int | None]:
    """Find the innermost template frame in a Jinja traceback.

    Jinja rewrites tracebacks so template frames carry the template file name
    and the template line, which is what a report author needs to see.
    """
    found: tuple[str, int | None] = ("<unknown template>", None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".j2", ".html", ".css")):
            found = (Path(frame.filename).name, frame.lineno)
    return found


def render_html(template_name: str, context: dict, extra_dirs: Iterable[Path] = ()) -> str:
    """Render a report template to an HTML string.

    :param template_name: e.g. ``"table_report.html.j2"``.
    :param context: see the module docstring for the contract.
    :param extra_dirs: extra template directories, searched first.
    :returns: the complete HTML document.
    :raises TemplateRenderError: on any template syntax or render error,
        naming the template and line.
    """
    env = template_environment(extra_dirs)
    try:
        return env.get_template(template_name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateRenderError(exc.name or exc.filename or template_name,
                                  exc.lineno, exc.message or str(exc)) from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateRenderError(template_name, None, f"template not found: {exc.name}") from exc
    except Exception as exc:
        # Undefined variables and filter errors (e.g. a bad date in a row) both
        # surface here; keep the original exception chained for the traceback.
        name, line = _template_frame(exc)
        raise TemplateRenderError(name, line, f"{type(exc).__name__}: {exc}") from exc
