"""Run the DfE validators (csc-validator-be-903 and -cin) on built returns; runs INSIDE the
validators' own virtualenv (pandas < 2), never the project's. Prints errors and queries per
rule; exit status 1 when any error (not query) is found. Counts only: no child identifiers."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

TABLE_FILES = {  # file stem written by reporting/returns/ssda903.py -> the validator's table
    "header": "Header", "episodes": "Episodes", "reviews": "Reviews", "uasc": "UASC", "oc2": "OC2",
    "oc3": "OC3", "ad1": "AD1", "placed_for_adoption": "PlacedAdoption",
    "previous_permanence": "PrevPerm", "missing": "Missing", "sw_episodes": "SWEpisodes",
}


def ruleset_name(prefix: str, year: int) -> str:
    return f"{prefix}{year - 1}_{str(year)[2:]}"


def run_903(folder: Path, year: int) -> tuple[Counter, Counter, dict]:
    from lac_validator import lac_validator
    from lac_validator.report import Report
    from lac_validator.utils import process_uploaded_files

    files = process_uploaded_files({"This year": [str(folder / f"{stem}.csv") for stem in TABLE_FILES
                                                  if (folder / f"{stem}.csv").exists()]})
    module = importlib.import_module(f"lac_validator.rules.{ruleset_name('lac', year)}")
    registry = module.registry
    # lac_validator reads the first 4 characters of collectionYear as the year the collection
    # ENDS (datastore.py: collection_end = 31/03/<that year>), so "2025/26" would check 2024/25.
    validator = lac_validator.LacValidator(metadata={"collectionYear": str(year),
                                                     "localAuthority": "E09000007"},
                                           files=files, registry=registry, selected_rules=None)
    report = Report(validator.ds_results, registry)
    errors: Counter = Counter()
    queries: Counter = Counter()
    messages = {}
    for _, issue in report.error_report.iterrows():
        code, count = str(issue["Code"]), int(issue["Count"])
        if count:
            messages[code] = str(issue["Description"])
            (queries if code.endswith("Q") else errors)[code] += count
    return errors, queries, messages


def run_cin(path: Path, year: int) -> tuple[Counter, Counter, dict]:
    from cin_validator import cin_validator

    root = ET.parse(path).getroot()
    data = cin_validator.process_data(cin_validator.convert_data(root))
    module = importlib.import_module(f"cin_validator.rules.{ruleset_name('cin', year)}")
    validator = cin_validator.CinValidator(data, module.registry)
    errors: Counter = Counter()
    queries: Counter = Counter()
    messages = {}
    issues = validator.full_issue_df
    for frame in (issues, validator.multichild_issues):
        for _, issue in frame.iterrows():
            code = str(issue["rule_code"])
            messages[code] = str(issue.get("rule_description", ""))
            (queries if code.endswith("Q") else errors)[code] += 1
    return errors, queries, messages


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--ssda903", type=Path)
    parser.add_argument("--cin", type=Path)
    parser.add_argument("--json", type=Path, help="Also write the counts as JSON here.")
    args = parser.parse_args()
    summary = {}
    failed = False
    for name, runner, target in (("ssda903", run_903, args.ssda903), ("cin", run_cin, args.cin)):
        if target is None:
            continue
        errors, queries, messages = runner(target, args.year)
        summary[name] = {"errors": dict(errors), "queries": dict(queries), "messages": messages}
        print(f"== {name}: {sum(errors.values())} error(s) in {len(errors)} rule(s), "
              f"{sum(queries.values())} quer(ies) in {len(queries)} rule(s)")
        for label, counter in (("ERROR", errors), ("QUERY", queries)):
            for code, count in sorted(counter.items()):
                print(f"  {label} {code}: {count} - {messages.get(code, '')[:150]}")
        failed = failed or bool(errors)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    print("validate-returns: " + ("FAILED (errors above)" if failed else "passed: zero errors"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
