"""docs/report-catalogue.md, generated from the definitions (a test keeps it current)."""

from __future__ import annotations

from reporting.definitions import Catalogue

HEADER = """# Report catalogue

Generated from `sql/<area>/<id>.yml` by `mi reports catalogue`; do not edit by hand
(`tests/test_docs.py` fails when this file and the definitions disagree).

"""


def catalogue_markdown(catalogue: Catalogue) -> str:
    lines = [HEADER, f"{len(catalogue.reports)} reports.\n",
             "| Report | Cadence | Area | Recipients (scope) | Sliced by | Sensitivity |",
             "|---|---|---|---|---|---|"]
    for d in catalogue.reports.values():
        s = d.spec
        recipients = ", ".join(r.describe() for r in s.recipients)
        lines.append(f"| [{s.title}](#{d.id}) | {s.cadence} | {d.area} | {recipients} | "
                     f"{s.burst_label or s.burst_key or ''} | {s.sensitivity} |")
    for d in catalogue.reports.values():
        s = d.spec
        lines += ["", f"## {d.id}", "",
                  f"**{s.title}** ({s.cadence}; `{d.sql_path.relative_to(d.sql_path.parents[2])}`)",
                  "", " ".join(s.description.split()), ""]
        if s.standard:
            lines += [f"Standard: {' '.join(s.standard.split())}", ""]
        lines += ["| Column | Label | Type |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.label} | {c.type} |" for c in s.columns if not c.hidden]
    return "\n".join(lines) + "\n"
