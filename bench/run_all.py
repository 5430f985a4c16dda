"""The whole benchmark in one command: every report, one as-at date, per scale and engine.

    .venv/bin/python bench/run_all.py [--scales camden,county] [--engines sqlite,postgresql]
        [--as-at 2026-10-26] [--jobs 2] [--airflow] [--seed-budget 1500]

For each scale and engine it seeds a scratch case database (`mi db seed`, timed, peak memory),
runs `mi run --all` (every report, all cadences forced, with delivery to a scratch outbox) under
a process-tree monitor (wall, CPU of every process in the tree, peak memory), sums the
manifests' per-stage timings, and then, side by side in the same run, the limits: the raw time
of each report's expanded SQL (psql `\\timing` on PostgreSQL, the sqlite3 module on SQLite) and
raw WeasyPrint on each report's archived HTML. With `--airflow` it also times `mi dags test`
for the reports due that day against `mi run` for the same reports, and the DAG parse time
(bench/dag_parse.py). Results: bench/results/run_all_<date>.json and .md.

Scratch data lives under --work (default /tmp/mi-bench: SQLite files, archives, outboxes) and in PostgreSQL databases
mi_bench_<scale> on 127.0.0.1 (created and dropped here). Only synthetic data is used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = Path(os.environ.get("MI_BENCH_WORK", "/tmp/mi-bench"))  # --work overrides
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


# ---- measuring a command ----------------------------------------------------------------------
def monitored(cmd: list[str], env: dict, *, timeout: float | None = None) -> dict:
    """Run cmd; wall time, CPU seconds of the whole process tree, and peak memory (tree and largest).

    Workers are grandchildren (forked by multiprocessing's fork server), which RUSAGE_CHILDREN
    does not see, so the tree is sampled every 0.1 s. CPU: at each sample, the sum over the live
    tree of own plus reaped-children CPU (a worker that exited is in its parent's children
    times, so nothing counts twice); the figure is the last sample's (under 0.1 s lost at the
    end). Memory: the peak of the summed RSS, and the largest single process.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    root = psutil.Process(proc.pid)
    cpu = 0.0
    peak_tree = peak_one = 0
    timed_out = False
    loads: list[float] = []
    last_load_sample = 0.0
    out_chunks: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
    err_chunks: list[str] = []
    err_reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True)
    reader.start()
    err_reader.start()
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        total = 0
        cpu_now = 0.0
        for p in tree:
            try:
                times = p.cpu_times()
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            cpu_now += times.user + times.system + times.children_user + times.children_system
            total += rss
            peak_one = max(peak_one, rss)
        peak_tree = max(peak_tree, total)
        cpu = max(cpu, cpu_now)
        if time.perf_counter() - last_load_sample >= 5:  # other work on the machine, during the run
            loads.append(os.getloadavg()[0])
            last_load_sample = time.perf_counter()
        if timeout and time.perf_counter() - started > timeout:
            timed_out = True
            for p in reversed(tree):
                try:
                    p.kill()
                except psutil.Error:
                    pass
            break
        time.sleep(0.1)
    proc.wait()
    reader.join(5)
    err_reader.join(5)
    return {"cmd": " ".join(cmd[1:3]), "rc": proc.returncode, "wall_s": round(time.perf_counter() - started, 2),
            "cpu_s": round(cpu, 2), "peak_tree_mb": round(peak_tree / 2**20),
            "peak_process_mb": round(peak_one / 2**20), "timed_out": timed_out,
            "load_during": {"mean": round(sum(loads) / len(loads), 2), "max": round(max(loads), 2)} if loads else None,
            "stdout": "".join(out_chunks), "stderr_tail": "".join(err_chunks)[-2000:]}


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# ---- databases ---------------------------------------------------------------------------------
def database_url(scale: str, engine: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{WORK / f'{scale}.sqlite'}"
    return f"{PG}/mi_bench_{scale}"


def reset_postgres(scale: str) -> None:
    for sql in (f"DROP DATABASE IF EXISTS mi_bench_{scale}", f"CREATE DATABASE mi_bench_{scale}"):
        subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", sql], check=True)


def seed_marker(scale: str, engine: str) -> Path:
    """Written after a seed that finished: `--reuse-seed` reads it instead of seeding again."""
    return WORK / f"seeded-{scale}-{engine}.json"


def seed(scale: str, engine: str, budget: float, reuse: bool = False) -> dict:
    marker = seed_marker(scale, engine)
    if reuse and marker.exists():
        return {**json.loads(marker.read_text()), "reused": True}
    marker.unlink(missing_ok=True)
    if engine == "postgresql":
        reset_postgres(scale)
    else:
        (WORK / f"{scale}.sqlite").unlink(missing_ok=True)
    # Through this script's --seed-child (seed_database with a progress line per step), so a seed
    # stopped at its budget still says how far it got.
    cmd = [sys.executable, str(Path(__file__).resolve()), "--seed-child", scale, database_url(scale, engine)]
    result = monitored(cmd, dict(os.environ), timeout=budget)
    lines = [line for line in result.pop("stdout").splitlines() if line.startswith("progress ")]
    result["progress_last"] = lines[-1] if lines else None
    if result["rc"] == 0 and not result["timed_out"]:
        marker.write_text(json.dumps(result, default=str))
    return result


def seed_child(scale: str, url: str) -> None:
    """Seed (camden seed 1 as at 2026-10-26 shape) printing `progress <s> <stage> <fraction>` lines."""
    from reporting.casedb.seed import seed_database

    started = time.perf_counter()
    last = [0.0]

    def progress(stage: str, fraction: float) -> None:
        if time.perf_counter() - last[0] >= 2 or fraction >= 1:
            last[0] = time.perf_counter()
            print(f"progress {time.perf_counter() - started:.0f}s {stage} {fraction:.3f}", flush=True)

    result = seed_database(url, scale, 1, date(2026, 10, 26), progress)
    print(f"progress {time.perf_counter() - started:.0f}s done generate {result.generate_seconds:.0f}s "
          f"load {result.load_seconds:.0f}s rows {sum(result.rows.values())}", flush=True)


# ---- the run -------------------------------------------------------------------------------------
# Pipeline settings (MI_*) for the measured `mi run`, from --setting: an option the service might
# choose (e.g. MI_PDF_MAX_ROWS=50) measured on the same seed. Nothing else of the caller's MI_* reaches it.
SETTINGS: dict[str, str] = {}


def run_env(scale: str, engine: str, tag: str) -> dict:
    state = WORK / f"state-{tag}.sqlite"
    state.unlink(missing_ok=True)
    for d in (f"archive-{tag}", f"outbox-{tag}", f"var-{tag}"):
        shutil.rmtree(WORK / d, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MI_")}
    env.update(MI_CASEDB_URL=database_url(scale, engine), MI_ARCHIVE_DIR=str(WORK / f"archive-{tag}"),
               MI_STATE_URL=f"sqlite:///{state}", MI_OUTBOX_DIR=str(WORK / f"outbox-{tag}"),
               MI_VAR_DIR=str(WORK / f"var-{tag}"))  # partner password lists etc. stay in the scratch folder
    env.update(SETTINGS)
    return env


def run_reports(scale: str, engine: str, as_at: str, jobs: int, extra: list[str], tag: str,
                timeout: float | None = None) -> dict:
    env = run_env(scale, engine, tag)
    cmd = [str(BIN / "mi"), "run", "--as-at", as_at, "--json", "--jobs", str(jobs),
           "--index-dir", str(WORK / f"out-{tag}"), *extra]
    result = monitored(cmd, env, timeout=timeout)
    try:
        items = json.loads(result.pop("stdout") or "[]")
    except json.JSONDecodeError:  # stopped at its timeout: count what the archive holds
        items = []
        result["reports_archived"] = len({m.parts[-3] for m in (WORK / f"archive-{tag}").glob("*/*/manifest.json")})
    result["reports"] = len(items)
    result["status"] = {s: sum(i["status"] == s for i in items) for s in ("ok", "warning", "failed")}
    result["failed"] = {i["id"]: (i["error"] or "")[:160] for i in items if i["status"] == "failed"}
    result["deliveries_sent"] = sum((i["delivery"] or {}).get("sent", 0) for i in items)
    result["stages"] = stage_totals(WORK / f"archive-{tag}")
    result["pipeline"] = pipeline_stages(items, result["stages"])
    result["whole_pdf_sent_to_no_one"] = whole_pdf_sent_to_no_one(WORK / f"archive-{tag}")
    result["archive"] = str(WORK / f"archive-{tag}")
    result["items"] = [{"id": i["id"], "rows": i["rows"], "status": i["status"]} for i in items]
    return result


def pipeline_stages(items: list[dict], stages: dict) -> dict:
    """Seconds per pipeline stage summed over the reports (`mi run --json` times each report's
    extract, quality gate, whole-report render and delivery); delivery is split into rendering the
    recipients' copies (from the manifests) and the rest: planning, the ledger and SMTP."""
    totals: dict[str, float] = {}
    for item in items:
        for stage, seconds in (item.get("seconds") or {}).items():
            totals[stage] = totals.get(stage, 0.0) + seconds
    if "deliver" in totals:
        copies = sum(v for k, v in stages.items() if k.split(".")[0] in ("slice", "delivery")
                     and k.split(".")[1].startswith("render_"))
        totals["deliver.render_copies"] = copies
        totals["deliver.send_and_ledger"] = totals["deliver"] - copies
    return {k: round(v, 2) for k, v in totals.items()}


def whole_pdf_sent_to_no_one(archive: Path) -> dict:
    """What skipping the whole-report PDF would save: reports with no `scope: all` recipient."""
    from reporting.definitions import load_catalogue

    sliced_only = {d.id for d in load_catalogue().reports.values() if all(r.scope != "all" for r in d.spec.recipients)}
    seconds, count = 0.0, 0
    for manifest in archive.glob("*/*/manifest.json"):
        if manifest.parts[-3] in sliced_only:
            seconds += (json.loads(manifest.read_text()).get("timings") or {}).get("render_pdf", 0.0)
            count += 1
    return {"reports": count, "render_pdf_s": round(seconds, 2)}


def stage_totals(archive: Path) -> dict:
    """Seconds per stage from every manifest: the whole report's and each delivered slice's."""
    totals: dict[str, float] = {}
    for manifest in archive.rglob("manifest.json"):
        kind = "slice" if "slices" in manifest.parts else "delivery" if "deliveries" in manifest.parts else "report"
        data = json.loads(manifest.read_text())
        timings = data.get("timings") or {}
        if kind != "report":
            timings.pop("extract", None)  # slices and deliveries reuse the report's one extract
        for stage, seconds in timings.items():
            key = f"{kind}.{stage}"
            totals[key] = totals.get(key, 0.0) + seconds
        totals[f"{kind}.count"] = totals.get(f"{kind}.count", 0) + 1
        if data.get("pdf_rows") is not None:
            totals[f"{kind}.pdfs"] = totals.get(f"{kind}.pdfs", 0) + 1
            totals[f"{kind}.pdf_rows_shown"] = totals.get(f"{kind}.pdf_rows_shown", 0) + data["pdf_rows"]
            totals[f"{kind}.pdfs_capped"] = totals.get(f"{kind}.pdfs_capped", 0) + (data["pdf_rows"] < data["rows"])
        totals[f"{kind}.rows"] = totals.get(f"{kind}.rows", 0) + (data.get("rows") or 0)
    return {k: round(v, 2) for k, v in sorted(totals.items())}


# ---- the limits, side by side -------------------------------------------------------------------
def limits(scale: str, engine: str, as_at: str, archive: Path, cadence: str | None = None) -> dict:
    """Per report, one process, serially: our extract vs the raw SQL; our gate; our whole render, and
    our PDF step vs raw WeasyPrint on the identical HTML (the PDF's own HTML, capped as in the run:
    the archived HTML keeps every row, so it is not what the PDF was made from).
    """
    from sqlalchemy import create_engine
    from weasyprint import HTML

    from reporting import runner
    from reporting.definitions import load_catalogue
    from reporting.extract import expand_sql, run_extract
    from reporting.quality.gate import gate
    from reporting.render import TEMPLATE_DIR
    from reporting.schedules.periods import latest_complete_period

    pdf_html: list[str] = []
    our_pdf = runner.render_pdf_bytes  # what the runner lays a whole report's PDF out with

    def capturing_pdf(html: str, **kwargs) -> bytes:
        pdf_html.append(html)
        return our_pdf(html, **kwargs)

    runner.render_pdf_bytes = capturing_pdf
    db = create_engine(database_url(scale, engine))
    per_report = []
    scratch = Path(tempfile.mkdtemp(dir=WORK, prefix="limits-"))
    for definition in sorted(load_catalogue().reports.values(), key=lambda d: d.id):
        if cadence and definition.spec.cadence != cadence:
            continue
        period = latest_complete_period(definition.spec.cadence, date.fromisoformat(as_at))
        params = {"period_start": period.start, "period_end": period.end, "as_at": period.end}
        row = {"id": definition.id}
        try:
            extract = run_extract(definition, db, **params)
            row["extract_s"] = extract.seconds
            row["rows"] = len(extract.rows)
            started = time.perf_counter()
            try:
                findings = gate(definition, extract.rows)
            except Exception:  # noqa: BLE001 - a critical finding raises; its cost is what we time
                findings = []
            row["gate_s"] = time.perf_counter() - started
            row["raw_query_s"] = raw_query(engine, scale, expand_sql(definition), params)
            pdf_html.clear()
            result = runner.render_report(definition, extract, period, period.end, archive_root=scratch,
                                          data_quality=findings, engine=db)
            row.update({f"our_{k}_s": v for k, v in result.timings.items()})
            if pdf_html:
                started = time.perf_counter()
                HTML(string=pdf_html[0], base_url=str(TEMPLATE_DIR)).write_pdf(pdf_variant="pdf/ua-1")
                row["raw_weasyprint_s"] = time.perf_counter() - started
        except Exception as error:  # noqa: BLE001 - recorded, the other reports carry on
            row["error"] = f"{type(error).__name__}: {str(error)[:120]}"
        per_report.append(row)
    runner.render_pdf_bytes = our_pdf
    db.dispose()
    shutil.rmtree(scratch, ignore_errors=True)

    def total(key: str) -> float:
        return round(sum(r.get(key) or 0.0 for r in per_report), 2)

    both = [r for r in per_report if r.get("our_render_pdf_s") and r.get("raw_weasyprint_s")]
    ours = sum(r["extract_s"] + r["our_render_pdf_s"] for r in both)
    ours_all = sum(r["extract_s"] + r["gate_s"] + r["our_render_html_s"] + r["our_render_pdf_s"]
                   + r.get("our_render_tabular_s", 0.0) for r in both)
    raw = sum(r["raw_query_s"] + r["raw_weasyprint_s"] for r in both)
    return {"reports": per_report, "extract_s": total("extract_s"), "raw_query_s": total("raw_query_s"),
            "gate_s": total("gate_s"), "our_render_html_s": total("our_render_html_s"),
            "our_pdf_s": total("our_render_pdf_s"), "our_tabular_s": total("our_render_tabular_s"),
            "raw_weasyprint_s": total("raw_weasyprint_s"),
            "query_ratio": round(total("extract_s") / total("raw_query_s"), 2) if total("raw_query_s") else None,
            "pdf_ratio": round(total("our_render_pdf_s") / total("raw_weasyprint_s"), 2)
            if total("raw_weasyprint_s") else None,
            "overhead_ratio": round(ours / raw, 2) if raw else None,
            "overhead_ratio_all_stages": round(ours_all / raw, 2) if raw else None,
            "compared_reports": len(both), "errors": {r["id"]: r["error"] for r in per_report if "error" in r}}


def _literal(sql: str, params: dict) -> str:
    return re.sub(r"(?<!:):(period_start|period_end|as_at)\b", lambda m: f"'{params[m.group(1)].isoformat()}'", sql)


def raw_query(engine: str, scale: str, sql: str, params: dict) -> float:
    """The same statement with the parameters written in, timed by the database client itself."""
    if engine == "sqlite":
        with sqlite3.connect(WORK / f"{scale}.sqlite") as conn:
            started = time.perf_counter()
            conn.execute(_literal(sql, params)).fetchall()
            return time.perf_counter() - started
    # PostgreSQL dates: a typed literal, as the driver binds a date.
    statement = re.sub(r"(?<!:):(period_start|period_end|as_at)\b",
                       lambda m: f"DATE '{params[m.group(1)].isoformat()}'", sql)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write("\\timing on\n\\o /dev/null\n" + statement.rstrip().rstrip(";") + ";\n")
    try:
        out = subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", f"mi_bench_{scale}",
                              "-f", f.name], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return float(re.search(r"Time: ([\d.]+) ms", out).group(1)) / 1000


# ---- Airflow and DAG parsing --------------------------------------------------------------------
def airflow_cost(scale: str, engine: str, as_at: str, timeout: float | None = None) -> dict:
    """The reports due on the day: `mi dags test` (dag.test per DAG) vs `mi run` (jobs 1 and default)."""
    result = {}
    env = run_env(scale, engine, "airflow")
    home = WORK / "airflow-home"
    shutil.rmtree(home, ignore_errors=True)
    dags = monitored([str(BIN / "mi"), "dags", "test", "--as-at", as_at, "--index-dir", str(WORK / "out-airflow"),
                      "--airflow-home", str(home)], env, timeout=timeout)
    dags.pop("stdout")
    result["dags_test"] = dags
    for jobs in (1, os.cpu_count() or 1):
        run = run_reports(scale, engine, as_at, jobs, [], f"due-j{jobs}", timeout=timeout)
        run.pop("items")
        result[f"mi_run_jobs{jobs}"] = run
    if result["mi_run_jobs1"]["wall_s"] and not dags["timed_out"]:
        result["ratio_wall"] = round(dags["wall_s"] / result["mi_run_jobs1"]["wall_s"], 2)
        result["ratio_cpu"] = round(dags["cpu_s"] / result["mi_run_jobs1"]["cpu_s"], 2)
    return result


def dag_parse() -> dict:
    out = WORK / "dag_parse.md"
    subprocess.run([sys.executable, str(REPO / "bench" / "dag_parse.py"), "--write", str(out)], check=True,
                   capture_output=True, cwd=REPO)
    text = out.read_text()
    return {"report_total_s": _float(r"Total: \*\*([\d.]+) s", text),
            "dagbag_median_s": _float(r"median \*\*([\d.]+) s", text),
            "markdown": text}


def _float(pattern: str, text: str) -> float | None:
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None


# ---- summary ------------------------------------------------------------------------------------
def markdown(results: dict) -> str:
    lines = [f"# Benchmark run {results['date']}", "",
             f"{results['cpus']} CPUs, {results['memory_gb']} GiB, `mi run {results.get('select', '--all')} "
             f"--jobs {results['jobs']}`, "
             + "".join(f"`{k}={v}`, " for k, v in results.get("settings", {}).items())
             + f"as at {results['as_at']}. Load average before/after each run is shown: other work shared "
             "the machine when it is above ~0.5.", "",
             "| scale | engine | seed s | seed CPU s | seed peak MB | run wall s | run CPU s | run peak tree MB | "
             "largest process MB | reports ok/warn/failed | deliveries | load before -> after (during: mean/max) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for r in results["runs"]:
        seed, run = r["seed"], r.get("run") or {}
        status = run.get("status") or {}
        seed_s = f"{seed['wall_s']}{' (budget hit)' if seed.get('timed_out') else ''}"
        during = run.get("load_during") or seed.get("load_during") or {}
        run_wall = f"{run.get('wall_s', '')}{' (timeout)' if run.get('timed_out') else ''}"
        lines.append(f"| {r['scale']} | {r['engine']} | {seed_s} | {seed.get('cpu_s', '')} | {seed['peak_tree_mb']} | "
                     f"{run_wall} | {run.get('cpu_s', '')} | {run.get('peak_tree_mb', '')} | "
                     f"{run.get('peak_process_mb', '')} | "
                     f"{status.get('ok', '')}/{status.get('warning', '')}/{status.get('failed', '')} | "
                     f"{run.get('deliveries_sent', '')} | {r['load_before']} -> {r['load_after']} "
                     f"({during.get('mean', '')}/{during.get('max', '')}) |")
        if seed.get("timed_out"):
            lines.append(f"|  | seed stopped at its budget; last progress: `{seed.get('progress_last')}` |")
    for r in results["runs"]:
        if r.get("run"):
            lines += ["", f"## Stages, {r['scale']} {r['engine']} (seconds summed over reports and slices, "
                          "across worker processes)", "", "| stage | s |", "|---|---:|"]
            lines += [f"| {k} | {v} |" for k, v in r["run"]["stages"].items()]
            if r["run"].get("pipeline"):
                lines += ["", "Per pipeline stage (seconds summed over reports, `mi run --json`): "
                          + ", ".join(f"{k} {v}" for k, v in r["run"]["pipeline"].items())]
            skip = r["run"].get("whole_pdf_sent_to_no_one") or {}
            lines += ["", f"Whole-report PDFs of the {skip.get('reports')} reports delivered only in slices: "
                          f"{skip.get('render_pdf_s')} s of the PDF stage."]
            if r["run"].get("failed"):
                lines += ["", "Failed: " + "; ".join(f"{k}: {v}" for k, v in r["run"]["failed"].items())]
        if r.get("limits"):
            lim = r["limits"]
            lines += ["", f"## Limits side by side, {r['scale']} {r['engine']} (one process, serial)", "",
                      f"- our extract {lim['extract_s']} s vs raw query {lim['raw_query_s']} s "
                      f"(**{lim.get('query_ratio')}x**)",
                      f"- our PDF step {lim['our_pdf_s']} s vs raw WeasyPrint on the identical HTML "
                      f"{lim['raw_weasyprint_s']} s (**{lim.get('pdf_ratio')}x**)",
                      f"- quality gate {lim['gate_s']} s; HTML (Jinja) {lim.get('our_render_html_s')} s; "
                      f"CSV + XLSX {lim.get('our_tabular_s')} s",
                      f"- overhead (extract + PDF) / (raw query + raw WeasyPrint) over {lim['compared_reports']} "
                      f"reports: **{lim['overhead_ratio']}x**; every stage (extract + gate + HTML + PDF + "
                      f"CSV/XLSX) over the same: **{lim.get('overhead_ratio_all_stages')}x**"]
            if lim.get("errors"):
                lines += ["", "Limits errors: " + "; ".join(f"{k}: {v}" for k, v in lim["errors"].items())]
    if results.get("airflow"):
        a = results["airflow"]
        lines += ["", "## Airflow's cost: the reports due that day", "",
                  "| how | wall s | CPU s | peak tree MB | reports | load during (mean/max) |",
                  "|---|---:|---:|---:|---:|---|"]
        for name, m in a.items():
            if not isinstance(m, dict):
                continue
            during = m.get("load_during") or {}
            lines.append(f"| {name} | {m['wall_s']}{' (timeout)' if m.get('timed_out') else ''} | {m['cpu_s']} | "
                         f"{m['peak_tree_mb']} | {m.get('reports', '')} | "
                         f"{during.get('mean', '')}/{during.get('max', '')} |")
        if a.get("ratio_wall"):
            lines.append(f"\n`mi dags test` / `mi run --jobs 1`: wall **{a['ratio_wall']}x**, "
                         f"CPU **{a['ratio_cpu']}x**")
    if results.get("dag_parse"):
        d = results["dag_parse"]
        lines += ["", f"## DAG parse: `airflow dags report` total {d['report_total_s']} s, "
                      f"in-process DagBag median {d['dagbag_median_s']} s"]
    return "\n".join(lines) + "\n"


# ---- main ------------------------------------------------------------------------------------------
def main() -> None:
    global WORK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="camden,county")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--as-at", default="2026-10-26")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed-budget", type=float, default=1500, help="Seconds allowed for one seed.")
    parser.add_argument("--seed-only", default="", help="Scales to seed (memory, time) without running reports.")
    parser.add_argument("--airflow", action="store_true",
                        help="Also Airflow's cost and DAG parse (camden, first engine).")
    parser.add_argument("--no-limits", action="store_true")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--work", type=Path, default=WORK, help="Scratch folder (SQLite files, archives, outboxes).")
    parser.add_argument("--run-timeout", type=float, default=1800, help="Seconds allowed for one `mi run`.")
    parser.add_argument("--keep", action="store_true", help="Keep the databases --seed-only made (default: drop them).")
    parser.add_argument("--reuse-seed", action="store_true",
                        help="Use a scale/engine's database from an earlier finished seed in --work "
                             "instead of seeding.")
    parser.add_argument("--select", default="--all", help="Which reports `mi run` runs, e.g. '--cadence weekly' "
                        "(same workload at every scale, for the scaling ratio when --all does not fit the time).")
    parser.add_argument("--setting", action="append", default=[], metavar="MI_NAME=VALUE",
                        help="A pipeline setting for the measured runs (repeatable), e.g. MI_PDF_MAX_ROWS=50.")
    parser.add_argument("--airflow-only", action="store_true",
                        help="Only Airflow's cost and DAG parse, on the first scale/engine's existing database.")
    parser.add_argument("--limits-only", default="", metavar="CADENCE|all",
                        help="Only the limits, on the first scale/engine's existing database (e.g. weekly).")
    parser.add_argument("--seed-child", nargs=2, metavar=("SCALE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_child:
        seed_child(*args.seed_child)
        return
    WORK = args.work
    for setting in args.setting:
        name, _, value = setting.partition("=")
        if not name.startswith("MI_") or not _:
            parser.error(f"--setting {setting!r}: expected MI_NAME=VALUE, e.g. MI_PDF_MAX_ROWS=50")
        SETTINGS[name] = value
    WORK.mkdir(parents=True, exist_ok=True)
    results = {"date": date.today().isoformat(), "cpus": os.cpu_count(), "jobs": args.jobs,
               "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "as_at": args.as_at, "runs": []}
    stamp = time.strftime("%Y%m%d-%H%M%S")  # seconds: two runs in one minute must not share a file
    path = args.out / f"run_all_{stamp}.json"
    args.out.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        path.write_text(json.dumps(results, indent=1, default=str))
        path.with_suffix(".md").write_text(markdown(results))

    results["select"] = args.select
    results["settings"] = dict(SETTINGS)
    if args.limits_only:
        scale, engine = args.scales.split(",")[0], args.engines.split(",")[0]
        entry = {"scale": scale, "engine": engine, "seed": {"wall_s": "existing", "peak_tree_mb": ""},
                 "load_before": load_average()}
        entry["limits"] = limits(scale, engine, args.as_at, WORK / "unused",
                                 None if args.limits_only == "all" else args.limits_only)
        entry["load_after"] = load_average()
        results["runs"].append(entry)
        save()
        print(path)
        return
    for scale in [s for s in args.scales.split(",") if s and not args.airflow_only]:
        for engine in args.engines.split(","):
            entry = {"scale": scale, "engine": engine, "load_before": load_average()}
            entry["seed"] = seed(scale, engine, args.seed_budget, args.reuse_seed)
            print(scale, engine, "seed", entry["seed"]["wall_s"], "s", entry["seed"]["peak_tree_mb"], "MB", flush=True)
            if entry["seed"]["rc"] == 0:
                entry["run"] = run_reports(scale, engine, args.as_at, args.jobs, args.select.split(),
                                           f"{scale}-{engine}", timeout=args.run_timeout)
                print(scale, engine, "run", entry["run"]["wall_s"], "s", flush=True)
                if not args.no_limits:
                    entry["limits"] = limits(scale, engine, args.as_at, Path(entry["run"]["archive"]))
                    print(scale, engine, "limits ratio", entry["limits"]["overhead_ratio"], flush=True)
            entry["load_after"] = load_average()
            results["runs"].append(entry)
            save()
    for scale in [s for s in args.seed_only.split(",") if s]:
        engine = args.engines.split(",")[0]
        entry = {"scale": scale, "engine": engine, "seed_only": True, "load_before": load_average(),
                 "seed": seed(scale, engine, args.seed_budget, args.reuse_seed), "load_after": load_average()}
        results["runs"].append(entry)
        save()
        if args.keep:
            continue
        seed_marker(scale, engine).unlink(missing_ok=True)
        if engine == "postgresql":
            subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c",
                            f"DROP DATABASE IF EXISTS mi_bench_{scale}"], check=False)
        else:
            (WORK / f"{scale}.sqlite").unlink(missing_ok=True)
    if args.airflow or args.airflow_only:
        scale, engine = args.scales.split(",")[0], args.engines.split(",")[0]
        results["airflow"] = airflow_cost(scale, engine, args.as_at, timeout=args.run_timeout)
        results["dag_parse"] = dag_parse()
        save()
    print(path)


if __name__ == "__main__":
    main()
