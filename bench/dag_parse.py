"""How long the dags/ folder takes to parse: `airflow dags report` plus an in-process DagBag load.

    .venv/bin/python bench/dag_parse.py [--runs 5] [--write bench/results/dag_parse.md]

`airflow dags report` is what Airflow itself reports per file (it runs with a throwaway
AIRFLOW_HOME and SQLite metadata DB here, so nothing outside var/ is touched). The DagBag figure
is the median of several cold-ish loads in one process (modules re-executed, imports cached),
which is what the dag-processor pays on every re-parse.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"


def dags_report(home: Path) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update({"AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False"})
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    out = subprocess.run([airflow, "dags", "report", "-o", "json"], env=env, check=True, capture_output=True,
                         text=True).stdout
    start = out.find("[{")
    return json.loads(out[start:].splitlines()[0]) if start >= 0 else []


def dagbag_loads(runs: int) -> tuple[list[float], int, int]:
    from airflow.dag_processing.dagbag import DagBag

    times, dags, tasks = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        bag = DagBag(str(DAGS))
        times.append(time.perf_counter() - started)
        assert not bag.import_errors, bag.import_errors
        dags, tasks = len(bag.dags), sum(len(d.tasks) for d in bag.dags.values())
    return times, dags, tasks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mi-dag-parse-") as home:
        report = dags_report(Path(home))
    times, dags, tasks = dagbag_loads(args.runs)
    total = sum(float(str(r["duration"]).rstrip("s").split(":")[-1]) if isinstance(r["duration"], str)
                else float(r["duration"]) for r in report)
    lines = [
        "# DAG parse time", "",
        f"Measured by `bench/dag_parse.py` on {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, Airflow {__import__('airflow').__version__}.", "",
        "## `airflow dags report`", "",
        "| File | Duration | DAGs | Tasks |", "|---|---|---|---|",
        *[f"| {Path(r['file']).name} | {r['duration']} | {r['dag_num']} | {r['task_num']} |" for r in report],
        "", f"Total: **{total:.3f} s**.", "",
        f"## In-process DagBag load ({args.runs} runs)", "",
        f"{dags} DAGs, {tasks} tasks; median **{statistics.median(times):.3f} s** "
        f"(min {min(times):.3f} s, max {max(times):.3f} s). The first run includes importing the "
        "`reporting` package and the SMTP provider.", "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
