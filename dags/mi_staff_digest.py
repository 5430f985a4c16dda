"""Airflow DAG mi_staff_digest: the reports queued for staff today, one e-mail per person
(see reporting/delivery/digest_queue.py and docs/operations.md "Digests")."""

from reporting.orchestration.dag_factory import build_digest_dag, register

register(globals(), build_digest_dag())
