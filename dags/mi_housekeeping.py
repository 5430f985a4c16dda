"""Airflow DAGs for the pipeline's daily chores (see reporting/orchestration/housekeeping.py).

* mi_archive_housekeeping: deletes archive period folders older than MI_RETENTION_DAYS (730).
* mi_source_quality: validates the case database with the GX source suites (reporting/quality/)
  and publishes <archive>/_quality/<date>/index.html and the trend page; paths in the task log/XCom.
"""

from reporting.orchestration.dag_factory import build_housekeeping_dags, register

register(globals(), build_housekeeping_dags())
