"""The data-quality gate (Great Expectations 1.x, called from our own code).

* `context`        - a quiet, ephemeral GX context (no progress bars, no row values in GX logs).
* `suites`         - source-table suites derived from the SSD field list and the extension tables,
                     plus the declared rules in `expectations/source/<table>.yml`.
* `report_checks`  - a report's YAML column `checks` compiled to GX expectations on its rows.
* `gate`           - runs a report's checks (+ `expectations/reports/<id>.json`); critical -> stop.
* `source`         - validates the whole case database in SQL and publishes HTML + JSON + trend.

Findings are plain dicts `{check, column, severity, failing_rows, meaning}` (source findings add
`table`): counts and labels only, never a value from a row.
"""

import logging

# GX logs at INFO while it imports (214 "Skipping registering function ..." lines in every
# check_quality task log): quiet from before the first GX import, which is always in this package.
logging.getLogger("great_expectations").setLevel(logging.WARNING)
