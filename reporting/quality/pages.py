"""The published source data-quality pages: one run, and the trend of failures over time.

Plain, accessible HTML (one table per page, captions, scope on headers) with no scripts, so it
opens from a file share as well as a web server. Only labels and counts are shown.
"""

from __future__ import annotations

from jinja2 import Environment, select_autoescape

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True)

_STYLE = """
body{font-family:system-ui,Arial,sans-serif;margin:2rem;color:#1b1b1b;max-width:75rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}\
th,td{border:1px solid #b1b4b6;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f2f1}td.n{text-align:right;font-variant-numeric:tabular-nums}
.critical{background:#f6d7d2}.warning{background:#fff2cc}.ok{color:#00703c}.tag{font-weight:bold}
caption{text-align:left;font-weight:bold;font-size:1.1rem}
"""

_RUN = _ENV.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Source data quality, {{ s.as_at }}</title>
<style>{{ style }}</style></head><body>
<h1>Case database data quality, as at {{ s.as_at }}</h1>
<p>{{ s.tables }} tables, {{ s.checks }} checks: <strong>{{ s.failed }} failed</strong>
({{ s.critical }} critical). Validated {{ s.validated_at }} in {{ s.seconds }} s against {{ s.database }}.</p>
<p><a href="{{ trend_href }}">Failures over time</a>\
{% if run_href %} · <a href="{{ run_href }}">this run's page</a>{% endif %}</p>
{% if s.critical %}<p class="critical"><span class="tag">Critical:</span> reports built on these tables may be wrong.
The MOSAIC superusers and the performance team have been told.</p>{% endif %}
<table><caption>Failed checks</caption>
<thead><tr><th scope="col">Table</th><th scope="col">Check</th><th scope="col">Severity</th>
<th scope="col">Failing rows</th><th scope="col">Rows checked</th><th scope="col">What it means</th></tr></thead>
<tbody>
{% for f in failed %}
<tr class="{{ f.severity }}"><td>{{ f.table }}</td>\
<td>{{ f.check }}{% if f.error %} (could not run: {{ f.error }}){% endif %}</td>
<td>{{ f.severity }}</td><td class="n">{{ "{:,}".format(f.failing_rows) }}</td>
<td class="n">{{ "{:,}".format(f.rows_checked) if f.rows_checked is defined else "" }}</td><td>{{ f.meaning }}</td></tr>
{% else %}
<tr><td colspan="6" class="ok">Every check passed.</td></tr>
{% endfor %}
</tbody></table>
<details><summary>All {{ s.checks }} checks by table</summary>
<table><caption>Checks passed per table</caption>
<thead><tr><th scope="col">Table</th><th scope="col">Checks</th><th scope="col">Passed</th></tr></thead><tbody>
{% for table, (n, ok) in per_table %}<tr><td>{{ table }}</td><td class="n">{{ n }}</td><td class="n">{{ ok }}</td></tr>
{% endfor %}</tbody></table></details>
</body></html>
""")

_TREND = _ENV.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Source data quality: failures over time</title>
<style>{{ style }}</style></head><body>
<h1>Case database data quality: failures over time</h1>
<p>Failing rows per failed check in each kept run ({{ runs|length }} run(s)). \
A blank cell: the check passed or did not run.</p>
<table><caption>Runs</caption><thead><tr><th scope="col">As at</th><th scope="col">Checks</th>
<th scope="col">Failed</th><th scope="col">Critical</th><th scope="col">Seconds</th></tr></thead><tbody>
{% for r in runs %}<tr><td><a href="{{ r.as_at }}/index.html">{{ r.as_at }}</a></td><td class="n">{{ r.checks }}</td>
<td class="n">{{ r.failed }}</td><td class="n">{{ r.critical }}</td><td class="n">{{ r.seconds }}</td></tr>
{% endfor %}</tbody></table>
<table><caption>Failing rows by check</caption><thead><tr><th scope="col">Table</th><th scope="col">Check</th>
{% for r in runs %}<th scope="col">{{ r.as_at }}</th>{% endfor %}</tr></thead><tbody>
{% for (table, check, severity), counts in rows %}<tr class="{{ severity }}"><td>{{ table }}</td><td>{{ check }}</td>
{% for c in counts %}<td class="n">{{ "{:,}".format(c) if c is not none else "" }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
</body></html>
""")


def render_run_page(summary: dict, *, trend_href: str, run_href: str | None = None) -> str:
    failed = [f for f in summary["findings"] if not f["success"]]
    failed.sort(key=lambda f: (f["severity"] != "critical", f["table"], f["check"]))
    per_table: dict[str, list[int]] = {}
    for f in summary["findings"]:
        counts = per_table.setdefault(f["table"], [0, 0])
        counts[0] += 1
        counts[1] += int(f["success"])
    return _RUN.render(s=summary, failed=failed, per_table=sorted(per_table.items()), style=_STYLE,
                       trend_href=trend_href, run_href=run_href)


def trend_rows(runs: list[dict]) -> list[tuple[tuple[str, str, str], list[int | None]]]:
    """One row per check that failed in any run: its failing rows in each run (None = passed)."""
    keys: dict[tuple[str, str], str] = {}
    for run in runs:
        for f in run["findings"]:
            if not f["success"]:
                keys[(f["table"], f["check"])] = f["severity"]
    rows = []
    for (table, check), severity in sorted(keys.items()):
        counts = []
        for run in runs:
            match = next((f for f in run["findings"] if f["table"] == table and f["check"] == check
                          and not f["success"]), None)
            counts.append(match["failing_rows"] if match else None)
        rows.append(((table, check, severity), counts))
    return rows


def render_trend_page(runs: list[dict]) -> str:
    return _TREND.render(runs=runs, rows=trend_rows(runs), style=_STYLE)
