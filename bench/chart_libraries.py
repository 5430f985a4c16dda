"""Chart libraries compared for decision 35 (docs/decisions.md): one 48-point trend with a target
line, drawn 20 times as SVG by Altair + vl-convert-python and by matplotlib.

    .venv/bin/pip install vl-convert-python   # not a project dependency; uninstall afterwards
    .venv/bin/python bench/chart_libraries.py
"""

from __future__ import annotations

import io
import random
import time

REPEATS = 20


def points() -> list[dict]:
    rng = random.Random(1)
    return [{"month": f"{2022 + (i + 9) // 12}-{(i + 9) % 12 + 1:02d}-01", "value": 50 + rng.random() * 20}
            for i in range(48)]


def vega_lite(data: list[dict]) -> str:
    import altair as alt
    import vl_convert

    line = alt.Chart(alt.Data(values=data)).mark_line().encode(
        x=alt.X("month:T", title="Month"), y=alt.Y("value:Q", title="%"))
    target = alt.Chart(alt.Data(values=[{"y": 60, "name": "Target"}])).mark_rule(strokeDash=[5, 3]).encode(
        y="y:Q", color=alt.Color("name:N"))
    return vl_convert.vegalite_to_svg((line + target).properties(width=300, height=120).to_dict())


def matplotlib_svg(data: list[dict]) -> str:
    import matplotlib

    matplotlib.use("svg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure = Figure(figsize=(4, 1.8))
        axes = figure.add_subplot()
        axes.plot(range(len(data)), [p["value"] for p in data], label="This authority")
        axes.axhline(60, linestyle="--", label="Target")
        axes.set_xlabel("Month")
        axes.set_ylabel("%")
        axes.legend()
        out = io.StringIO()
        figure.savefig(out, format="svg")
    return out.getvalue()


def measure(name: str, imports: str, draw) -> None:
    data = points()
    started = time.perf_counter()
    __import__(imports)
    imported = time.perf_counter()
    draw(data)
    first = time.perf_counter()
    for _ in range(REPEATS):
        svg = draw(data)
    done = time.perf_counter()
    print(f"{name}: import {imported - started:.2f} s, first chart {first - imported:.2f} s, "
          f"then {(done - first) / REPEATS * 1000:.0f} ms a chart ({len(svg):,} bytes of SVG)")


if __name__ == "__main__":
    measure("Altair + vl-convert", "altair", vega_lite)
    measure("matplotlib", "matplotlib", matplotlib_svg)
