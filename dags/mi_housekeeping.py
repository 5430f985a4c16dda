"""Airflow DAGs for the pipeline's daily chores (see reporting/orchestration/housekeeping.py).

* mi_archive_housekeeping: deletes archive period folders older than MI_RETENTION_DAYS (730).
* mi_source_quality: row counts per source table; the data-quality issue adds the GX suite.
"""

from reporting.orchestration.dag_factory import build_housekeeping_dags, register

register(globals(), build_housekeeping_dags())
