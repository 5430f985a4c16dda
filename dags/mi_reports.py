"""Airflow: one DAG per report definition under sql/ (`mi_<report_id>`); see reporting/orchestration/dag_factory.py.

Broken definitions are skipped here and reported, all together, by mi_definition_errors.py.
"""

from reporting.orchestration.dag_factory import build_dags, register

register(globals(), build_dags())
