"""Scheduled management-information reporting for children's social care."""

__version__ = "0.1.0"
