"""Check built returns with the DfE's public rule validators; the one implementation of that step.

`csc-validator-be-903` (SSDA903) and `csc-validator-be-cin` (CIN census) pin pandas < 2, which
the project cannot use, so they live in their own virtualenv (`var/validators-venv`, or
`VALIDATORS_VENV`) and run in a subprocess (`scripts/run_validators.py`, executed by that venv's
Python). `mi returns validate`, `scripts/validate-returns.sh`, the returns DAGs and the tests all
call `validate()` here.

What comes back, and what is written to `validation.json` next to the return, is counts per rule
and the rule text: never a child identifier. The validators' own output does quote rows (lac_validator
prints data frames), so it goes to an owner-only `validators.log` beside the return, as sensitive
as the return itself, and only that file's path appears in an error message.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reporting import settings
from reporting.errors import MIError

PACKAGES = ("csc-validator-be-903", "csc-validator-be-cin")
MODULES = ("lac_validator", "cin_validator")
RUNNER = settings.REPO_ROOT / "scripts" / "run_validators.py"
SUMMARY_FILE = "validation.json"
LOG_FILE = "validators.log"
RETURN_NAMES = ("ssda903", "cin")  # the keys run_validators.py writes


class ValidatorsMissing(MIError, RuntimeError):
    """The validators' virtualenv is not there and was not to be created; says how to create it."""


class ValidatorsCrashed(MIError, RuntimeError):
    """A validator stopped without a result (not the same as rule errors); names the log file."""


def venv_dir() -> Path:
    """Where the validators' virtualenv lives: `VALIDATORS_VENV`, else `<repo>/var/validators-venv`.

    Under the repository rather than `MI_VAR_DIR`, so tests (which point MI_VAR_DIR at a
    temporary folder) and every clone re-use one venv instead of installing it per run.
    """
    return settings.current().validators_venv or settings.REPO_ROOT / "var" / "validators-venv"


def create_command(venv: Path) -> str:
    """The shell commands that create the venv, for error messages and docs."""
    return (f"python3.11 -m venv {venv} && {venv}/bin/pip install --upgrade pip && "
            f"{venv}/bin/pip install {' '.join(PACKAGES)}")


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def venv_ready(venv: Path) -> bool:
    """True when the venv's Python can find both validator packages (find_spec: no pandas import)."""
    python = _python(venv)
    if not python.exists():
        return False
    probe = ("import importlib.util, sys; "
             f"sys.exit(0 if all(importlib.util.find_spec(m) for m in {MODULES!r}) else 1)")
    return subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0


@contextmanager
def _locked(path: Path):
    """One creator at a time: two test workers or DAG runs must not pip-install into one venv at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_venv(venv: Path | None = None, *, create: bool | None = None) -> Path:
    """The validators' Python, creating the venv from PyPI first if it is missing and `create`.

    `create` defaults to `MI_VALIDATORS_CREATE` (true unless set to false/0/no): a production
    worker without internet access sets it false and gets a clear error naming the command.
    """
    venv = venv or venv_dir()
    if create is None:
        create = settings.current().validators_create
    if venv_ready(venv):
        return _python(venv)
    if not create:
        raise ValidatorsMissing(f"the DfE validators' virtualenv {venv} is missing or incomplete; "
                                f"create it with: {create_command(venv)}  (or run scripts/validate-returns.sh once)")
    with _locked(venv.with_name(venv.name + ".lock")):
        if not venv_ready(venv):  # another process may have finished it while we waited
            steps = [[sys.executable, "-m", "venv", "--clear", str(venv)],
                     [str(_python(venv)), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
                     [str(_python(venv)), "-m", "pip", "install", "--quiet", *PACKAGES]]
            for step in steps:
                done = subprocess.run(step, capture_output=True, text=True)
                if done.returncode != 0:
                    raise ValidatorsMissing(f"could not create the validators' virtualenv {venv}: "
                                            f"`{' '.join(step)}` exited {done.returncode}: "
                                            f"{done.stderr.strip()[-1500:]}")
    return _python(venv)


@dataclass
class ValidationSummary:
    """Errors and queries per rule for each return validated (`ssda903`, `cin`)."""

    year: int
    returns: dict[str, dict]  # name -> {"errors": {rule: n}, "queries": {rule: n}, "messages": {rule: text}}

    @property
    def errors(self) -> int:
        return sum(sum(r["errors"].values()) for r in self.returns.values())

    @property
    def queries(self) -> int:
        return sum(sum(r["queries"].values()) for r in self.returns.values())

    @property
    def passed(self) -> bool:
        return self.errors == 0

    def counts(self) -> dict:
        """Totals and per-rule counts (for XCom, notices and assertion messages)."""
        return {name: {"errors": sum(r["errors"].values()), "queries": sum(r["queries"].values()),
                       "error_rules": dict(sorted(r["errors"].items())),
                       "query_rules": dict(sorted(r["queries"].items()))}
                for name, r in self.returns.items()}

    def as_dict(self) -> dict:
        return {"year": self.year, "errors": self.errors, "queries": self.queries, "returns": {
            name: {**self.counts()[name], "messages": dict(sorted(r["messages"].items()))}
            for name, r in self.returns.items()}}

    def lines(self) -> list[str]:
        """Human-readable per-rule counts with the rule text (the validators' own wording)."""
        out = []
        for name, r in self.returns.items():
            out.append(f"{name}: {sum(r['errors'].values())} error(s) in {len(r['errors'])} rule(s), "
                       f"{sum(r['queries'].values())} quer(ies) in {len(r['queries'])} rule(s)")
            for label, rules in (("ERROR", r["errors"]), ("QUERY", r["queries"])):
                for code, count in sorted(rules.items()):
                    out.append(f"  {label} {code}: {count} - {r['messages'].get(code, '')[:150]}")
        return out

    @classmethod
    def read(cls, path: Path) -> ValidationSummary:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["year"], {name: {"errors": r["error_rules"], "queries": r["query_rules"],
                                         "messages": r.get("messages", {})}
                                  for name, r in data["returns"].items()})


def write_private_json(path: Path, payload: dict) -> None:
    """Write JSON owner-only (0600) under a temporary name and rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def validate(year: int, *, ssda903: Path | None = None, cin: Path | None = None, out: Path | None = None,
             create_venv: bool | None = None) -> ValidationSummary:
    """Run the validators on an SSDA903 folder of CSVs and/or a CIN census XML for the year to 31 March YEAR.

    Writes `validation.json` (counts per rule and rule text) into `out` when given. Rule errors
    are a result, not an exception: the caller decides (the DAG task fails, the CLI exits 1).
    Raises ValidatorsMissing / ValidatorsCrashed when there is no result at all.
    """
    if ssda903 is None and cin is None:
        raise ValueError("nothing to validate: give the SSDA903 folder and/or the CIN census XML")
    for label, path in (("SSDA903 folder", ssda903), ("CIN census XML", cin)):
        if path is not None and not path.exists():
            raise FileNotFoundError(f"{label} {path} does not exist: build the return first (mi returns ...)")
    python = ensure_venv(create=create_venv)
    log_dir = out or Path(tempfile.mkdtemp(prefix="mi-validators-"))
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    targets = [(name, path) for name, path in (("ssda903", ssda903), ("cin", cin)) if path is not None]
    data: dict = {}
    with tempfile.TemporaryDirectory(prefix="mi-validators-") as scratch:
        # One process per return, run side by side: the CIN validator alone takes minutes on
        # the camden seed, and the two are independent.
        running = []
        for name, path in targets:
            result_path = Path(scratch) / f"{name}.json"
            output = open(Path(scratch) / f"{name}.log", "w+", encoding="utf-8")
            command = [str(python), str(RUNNER), "--year", str(year), "--json", str(result_path),
                       f"--{name}", str(path)]
            running.append((name, result_path, output,
                            subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, text=True)))
        try:
            log = log_dir / LOG_FILE
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                for name, result_path, output, process in running:
                    status = process.wait()
                    output.seek(0)
                    handle.write(f"=== {name} (exit status {status})\n{output.read()}\n")
                    output.close()
                    # run_validators.py exits 0 (no errors) or 1 (rule errors) after writing the JSON;
                    # anything else, or no JSON, means the validator crashed. Its output quotes rows of
                    # the return: it stays in the owner-only log file, named in the message.
                    if status not in (0, 1) or not result_path.exists():
                        handle.flush()
                        raise ValidatorsCrashed(f"the DfE {name} validator stopped without a result for year {year} "
                                                f"(exit status {status}); its output is in {log}")
                    data.update(json.loads(result_path.read_text(encoding="utf-8")))
        finally:  # a crash of one must not leave the other running
            for _, _, output, process in running:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                output.close()
    summary = ValidationSummary(year, {name: {"errors": dict(r["errors"]), "queries": dict(r["queries"]),
                                              "messages": dict(r["messages"])} for name, r in data.items()})
    if out is not None:
        write_private_json(out / SUMMARY_FILE, summary.as_dict())
    return summary
