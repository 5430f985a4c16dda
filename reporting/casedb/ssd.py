"""The Standard Safeguarding Dataset (SSD) tables, built from the standard's own field list.

`ssd-fields.tsv` is a verbatim copy of Data to Insight's SSD field list (48 tables, 359
fields). Building the tables from it, rather than retyping 359 columns, keeps every table
and field name exactly as in the standard, so an authority that already runs SSD can point
the pipeline at its own database.

Where the published list cannot be implemented literally we deviate, and say so here and in
docs/schema.md:

* Types: SSD `datetime` fields hold dates, and reports compare them with the calendar
  table, so they are SQL `DATE` (audit timestamps stay `TIMESTAMP`).
* Primary keys: a few tables mark none, or mark a column that repeats (a family id repeats
  for every member). `PRIMARY_KEY_OVERRIDES` names the key we use instead.
* Foreign keys: a constraint is declared only when the target is the referenced table's
  primary key. Several listed targets are not unique (for example `cppv_person_id` ->
  `ssd_cp_plans.cppl_person_id`); a person-id reference then points at
  `ssd_person.pers_person_id`, which is what it means; two targets that misname a key column
  are corrected (`REFERENCE_CORRECTIONS`); the rest stay documented references that the
  data-quality suites check instead (`unenforced_references()`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

SSD_FIELDS_FILE = Path(__file__).with_name("ssd-fields.tsv")

# Tables whose listed key is missing or not unique: the key we use instead.
PRIMARY_KEY_OVERRIDES: dict[str, tuple[str, ...]] = {
    "ssd_api_data_staging": ("id",),
    "ssd_department": ("dept_team_id",),
    "ssd_family": ("fami_table_id",),  # fami_family_id repeats for each family member
    "ssd_involvements": ("invo_involvements_id",),
    "ssd_mother": ("moth_table_id",),  # listed with two keys; one row per mother-child pair
    "ssd_pre_proceedings": ("prep_table_id",),
    "ssd_version_log": ("version_number",),
    "ssd_cla_immunisations": ("clai_person_id", "clai_immunisations_status_date"),
}

# Listed foreign-key targets that misname an existing key column: what they mean.
REFERENCE_CORRECTIONS: dict[str, str] = {
    "ssd_cla_placements.clap_placement_id": "ssd_cla_placement.clap_cla_placement_id",
    "ssd_ehcp_assessment.ehca_ehcp_asmt_id": "ssd_ehcp_assessment.ehca_ehcp_assessment_id",
}

# Audit timestamps in the standard: these keep their time of day.
TIMESTAMP_FIELDS = {"submission_timestamp", "last_updated", "created_at"}

# Indexes the reports need beyond keys: person ids and the dates reports filter on.
# "_assessment_id": ssd_assessment_factors.cinf_assessment_id, which reports look up once per
# assessment (a "no factors form" test scanned the whole factors table per assessment);
# "_ehcp_id": ssd_sen_need.senn_active_ehcp_id, the needs of each plan looked up per plan.
INDEXED_SUFFIXES = ("_person_id", "_referral_id", "_cla_id", "_cp_plan_id", "_team", "_worker_id",
                    "_assessment_id", "_ehcp_id")


@dataclass(frozen=True)
class SsdField:
    table: str
    field: str
    type: str
    is_key: bool
    foreign_key: str
    returns: str
    description: str


@lru_cache(maxsize=1)
def ssd_fields() -> tuple[SsdField, ...]:
    """Every field of the standard, in the order of the published list."""
    with SSD_FIELDS_FILE.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        return tuple(
            SsdField(
                table=row["table"],
                field=row["field"],
                type=row["type"].strip().lower(),
                is_key=row["key"].strip() == "pk",
                foreign_key=row["foreign_key"].split(" ")[0].strip(),
                returns=row["returns"],
                description=row["description"],
            )
            for row in reader
        )


def _sql_type(field: SsdField):
    if field.field in TIMESTAMP_FIELDS:
        return DateTime()
    return {
        "nvarchar": String(),
        "nchar": String(),
        "datetime": Date(),
        "int": Integer(),
        "float": Float(),
        "binary": LargeBinary(),
        "bit": Boolean(),
    }[field.type]


def _primary_key(table: str, fields: list[SsdField]) -> tuple[str, ...]:
    if table in PRIMARY_KEY_OVERRIDES:
        return PRIMARY_KEY_OVERRIDES[table]
    return tuple(f.field for f in fields if f.is_key)


def _resolve_reference(field: SsdField, keys: dict[str, tuple[str, ...]]) -> str | None:
    """The enforceable target of a listed foreign key, or None when it cannot be enforced."""
    if not field.foreign_key:
        return None
    if field.field.endswith("_person_id"):
        # Person ids are listed against several tables (even an episode id); all mean a person.
        return "ssd_person.pers_person_id"
    target = REFERENCE_CORRECTIONS.get(field.foreign_key, field.foreign_key)
    target_table, _, target_column = target.partition(".")
    if keys.get(target_table) == (target_column,):
        return target
    return None


# References the SSD states only in a field's description (or its name), with no foreign_key
# listed: an id field that says what it points at. (description or name pattern -> target)
DESCRIBED_REFERENCES = [
    (re.compile(r"^Person Unique ID$"), "ssd_person.pers_person_id"),
    (re.compile(r"^Referral ID$"), "ssd_cin_episodes.cine_referral_id"),
    (re.compile(r"^CP Plan ID$"), "ssd_cp_plans.cppl_cp_plan_id"),
    (re.compile(r"^CLA (Table )?ID$|_cla_id$"), "ssd_cla_episodes.clae_cla_id"),
]


def described_references() -> list[tuple[SsdField, str]]:
    """(field, target) for each reference the SSD declares in a field's description or name only:
    no constraint enforces them, so data quality checks them (a CP visit's plan id with no such
    plan is a visit that drops out of every report)."""
    found = []
    for f in ssd_fields():
        if f.foreign_key or f.is_key:
            continue
        for pattern, target in DESCRIBED_REFERENCES:
            if (pattern.search(f.description or "") or pattern.search(f.field)) and target != f"{f.table}.{f.field}":
                found.append((f, target))
                break
    return found


def unenforced_references() -> list[SsdField]:
    """Listed references that no constraint enforces (checked by data quality instead)."""
    keys = _keys_by_table()
    return [f for f in ssd_fields() if f.foreign_key and _resolve_reference(f, keys) is None]


@lru_cache(maxsize=1)
def _keys_by_table() -> dict[str, tuple[str, ...]]:
    by_table: dict[str, list[SsdField]] = {}
    for f in ssd_fields():
        by_table.setdefault(f.table, []).append(f)
    return {table: _primary_key(table, fields) for table, fields in by_table.items()}


def add_ssd_tables(metadata: MetaData) -> None:
    """Add every SSD table to `metadata`."""
    keys = _keys_by_table()
    by_table: dict[str, list[SsdField]] = {}
    for f in ssd_fields():
        by_table.setdefault(f.table, []).append(f)
    for table_name, fields in by_table.items():
        columns = []
        for f in fields:
            target = _resolve_reference(f, keys)
            args = [ForeignKey(target)] if target and target != f"{table_name}.{f.field}" else []
            columns.append(
                Column(
                    f.field,
                    _sql_type(f),
                    *args,
                    primary_key=f.field in keys[table_name],
                    comment=f.description[:255] or None,
                )
            )
        table = Table(table_name, metadata, *columns, comment="SSD (Standard Safeguarding Dataset)")
        for column in table.columns:
            if not column.primary_key and column.name.endswith(INDEXED_SUFFIXES):
                Index(f"ix_{table_name}_{column.name}", column)
