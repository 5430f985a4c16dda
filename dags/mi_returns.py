"""Airflow DAGs for the statutory returns (see reporting/orchestration/returns.py, docs/returns.md).

* mi_return_cin_census, mi_return_ssda903: built on the first working day of April for the year to
  31 March, then rebuilt weekly through the DfE collection; validated with the DfE rules (a run
  with validator errors fails); the performance team is told the counts.
* mi_return_annex_a: Ofsted Annex A lists, triggered at inspection notice (param as_at) and monthly.
"""

from reporting.orchestration.dag_factory import register
from reporting.orchestration.returns import build_returns_dags

register(globals(), build_returns_dags())
