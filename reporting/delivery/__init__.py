"""Delivery: recipients by role, slices by scope, exactly-once e-mail through a ledger, partner sharing.

See docs/delivery.md. `deliver.deliver_period` sends a planned run (reporting.plan) for `mi run --deliver` and
the Airflow deliver task; `deliver.deliver_digests` sends each member of staff one e-mail for all the
reports of a `mi run` (reporting.batch).
"""
