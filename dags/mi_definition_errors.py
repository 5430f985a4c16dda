"""Airflow: broken report definitions show up here as ONE import error that names each broken file.

mi_reports.py loads the good definitions only, so one bad YAML never hides the other reports;
this file defines no DAG and fails to import exactly when some definition is broken.
(The word DAG is in this docstring so Airflow's safe mode parses the file.)
"""

from reporting.orchestration.dag_factory import check_definitions

check_definitions()
