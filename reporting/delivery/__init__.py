"""Delivery: recipients by role, slices by scope, exactly-once e-mail through a ledger, partner sharing.

See docs/delivery.md. `deliver.deliver_period` is the entry point used by `mi run --deliver` and
the Airflow deliver task.
"""
