"""Airflow glue: plain task bodies (`tasks`), the DAG factory (`dag_factory`), notifiers and housekeeping.

`tasks`, `housekeeping` and `notify` import no Airflow DAG machinery, so they can be called and
tested on their own; `dag_factory` wires them into one Airflow DAG per report definition.
"""
