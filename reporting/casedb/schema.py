"""The case database schema: SSD tables plus the local extension tables."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, MetaData

from reporting.casedb.extensions import add_extension_tables
from reporting.casedb.ssd import add_ssd_tables


@lru_cache(maxsize=1)
def case_metadata() -> MetaData:
    metadata = MetaData()
    add_ssd_tables(metadata)
    add_extension_tables(metadata)
    return metadata


def create_schema(engine: Engine, *, drop_first: bool = False) -> None:
    """Create every table (and drop them first when asked: seeding replaces the database)."""
    metadata = case_metadata()
    if drop_first:
        metadata.drop_all(engine)
    metadata.create_all(engine)
