"""The case database schema described for a data officer: tables, columns, keys and code lists.

`mi db tables`, `mi db columns TABLE` and the generated section of docs/schema.md all read this
module, so the three can never disagree. Everything comes from the SQLAlchemy metadata
(`case_metadata()`: no database needed) and from code lists the project already declares; a
column with no declared code list shows none rather than a guessed one.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from sqlalchemy import Column, Table

from reporting.casedb import ssd
from reporting.casedb.schema import case_metadata
from reporting.errors import MIError, did_you_mean

# Columns whose DfE codes the Ofsted Annex A code tables list (config/annex_a_codes.yml: the
# comment on each table names the SSD column it is for). The keys of a table are the values the
# case database holds; the right-hand sides are Annex A labels, not stored values.
ANNEX_A_CODE_TABLES = {
    "ssd_person.pers_sex": "sex",
    "ssd_person.pers_ethnicity": "ethnicity",
    "ssd_contacts.cont_contact_source_code": "source",
    "ssd_cin_episodes.cine_referral_source_code": "source",
    "ssd_cin_episodes.cine_cin_primary_need_code": "primary_need",
    "ssd_cla_episodes.clae_cla_primary_need_code": "primary_need",
    "ssd_cin_episodes.cine_close_reason": "cin_closure_reason",
    "ssd_cp_plans.cppl_cp_plan_initial_category": "abuse_category",
    "ssd_cp_plans.cppl_cp_plan_latest_category": "abuse_category",
    "ssd_legal_status.lega_legal_status": "legal_status",
    "ssd_cla_episodes.clae_cla_episode_ceased_reason": "reason_ceased",
    "ssd_cla_placement.clap_cla_placement_type": "placement_type",
    "ssd_cla_placement.clap_cla_placement_provider": "placement_provider",
    "ssd_care_leavers.clea_care_leaver_eligibility": "eligibility",
    "ssd_care_leavers.clea_care_leaver_in_touch": "in_touch",
    "ssd_care_leavers.clea_care_leaver_accommodation": "accommodation",
    "ssd_care_leavers.clea_care_leaver_accom_suitable": "suitability",
    "ssd_care_leavers.clea_care_leaver_activity": "activity",
    "ssd_permanence.perm_decision_reversed_reason": "reversal_reason",
    "ext_adopters.adop_leaving_reason": "leaving_reason",
}
ANNEX_A_SOURCE = "config/annex_a_codes.yml"

# Local extension columns with no DfE code set: the values the synthetic authority writes, which
# the QA and homelessness reports filter on (reporting/casedb/synth/codes.py).
SYNTHETIC_VALUE_LISTS = {
    "ext_case_audits.audi_grade": "AUDIT_GRADES",
    "ext_audit_findings.aufi_practice_area": "AUDIT_PRACTICE_AREAS",
    "ext_homeless_16plus.home_disposal": "HOMELESS_DISPOSAL",
}
SYNTHETIC_SOURCE = "reporting/casedb/synth/codes.py"

# An SSD field whose description is its list of accepted values: "['Case Number', 'NHS Number']".
_LISTED_VALUES = re.compile(r"^\[(.+)\]$")


class UnknownTable(MIError, LookupError):
    """A table name that is not in the case database schema (the message suggests the nearest)."""


@dataclass(frozen=True)
class CodeList:
    values: tuple[str, ...]
    source: str  # where the list is declared, so a reader can tell DfE codes from local values


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    type: str
    primary_key: bool
    references: str  # "table.column" it points at, or ""
    enforced: bool  # False: the SSD states the reference but no foreign-key constraint holds it
    description: str
    codes: CodeList | None

    @property
    def key(self) -> str:
        """'PK', 'FK -> t.c', 'ref -> t.c (not enforced)' or both, in words a SQL writer reads."""
        parts = ["PK"] if self.primary_key else []
        if self.references:
            parts.append(f"FK -> {self.references}" if self.enforced
                         else f"ref -> {self.references} (not enforced)")
        return ", ".join(parts)


@dataclass(frozen=True)
class TableDoc:
    name: str
    part: str  # "SSD", "local extension" or "calendar"
    description: str
    columns: tuple[ColumnDoc, ...]

    def as_json(self, *, with_columns: bool) -> dict:
        data: dict = {"table": self.name, "part": self.part, "description": self.description,
                      "column_count": len(self.columns)}
        if with_columns:
            data["columns"] = [{**asdict(c), "key": c.key} for c in self.columns]
        return data


@lru_cache(maxsize=1)
def schema_tables() -> tuple[TableDoc, ...]:
    """Every table in the order it is defined: SSD (the standard's order), extensions, calendar."""
    unenforced = _unenforced_references()
    return tuple(_table_doc(table, unenforced) for table in case_metadata().tables.values())


def table_doc(name: str) -> TableDoc:
    """One table, or `UnknownTable` naming the nearest table when `name` is misspelt."""
    for table in schema_tables():
        if table.name == name:
            return table
    names = [t.name for t in schema_tables()]
    raise UnknownTable(f"no table {name!r} in the case database schema{did_you_mean(name, names)}; "
                       "`mi db tables` lists them")


def _part(table: Table) -> str:
    if table.name == "ext_calendar":
        return "calendar"
    return "local extension" if table.name.startswith("ext_") else "SSD"


def _table_doc(table: Table, unenforced: dict[str, str]) -> TableDoc:
    return TableDoc(name=table.name, part=_part(table), description=table.comment or "",
                    columns=tuple(_column_doc(table.name, column, unenforced) for column in table.columns))


def _column_doc(table: str, column: Column, unenforced: dict[str, str]) -> ColumnDoc:
    qualified = f"{table}.{column.name}"
    foreign = next(iter(column.foreign_keys), None)
    return ColumnDoc(
        name=column.name,
        type=str(column.type),
        primary_key=column.primary_key,
        references=foreign.target_fullname if foreign else unenforced.get(qualified, ""),
        enforced=foreign is not None or qualified not in unenforced,
        description=column.comment or "",
        codes=code_list(qualified),
    )


def _unenforced_references() -> dict[str, str]:
    """'table.column' -> target for each reference the SSD states that no constraint enforces:
    a SQL writer still joins on them (the data-quality suites check them instead)."""
    found = {f"{f.table}.{f.field}": f.foreign_key for f in ssd.unenforced_references()}
    found.update({f"{f.table}.{f.field}": target for f, target in ssd.described_references()})
    return found


def code_list(qualified: str) -> CodeList | None:
    """The declared code list of 'table.column', or None when the project declares none."""
    if qualified in ANNEX_A_CODE_TABLES:
        name = ANNEX_A_CODE_TABLES[qualified]
        # `null:` is the code Annex A writes for a value not recorded: not a value to filter on.
        values = tuple(value for value in _annex_a_code_tables()[name] if value is not None)
        return CodeList(values, f"{ANNEX_A_SOURCE}: {name}")
    if qualified in SYNTHETIC_VALUE_LISTS:
        from reporting.casedb.synth import codes

        name = SYNTHETIC_VALUE_LISTS[qualified]
        return CodeList(tuple(getattr(codes, name)), f"{SYNTHETIC_SOURCE}: {name} (synthetic authority)")
    table, _, column = qualified.partition(".")
    for field in ssd.ssd_fields():
        if (field.table, field.field) == (table, column):
            listed = _LISTED_VALUES.match(field.description.strip())
            if listed:
                values = tuple(v.strip(" '\"") for v in listed.group(1).split(","))
                return CodeList(values, "ssd-fields.tsv (the field's description)")
    return None


@lru_cache(maxsize=1)
def _annex_a_code_tables() -> dict[str, dict[str | None, str]]:
    from reporting.config_files import read_yaml
    from reporting.errors import ConfigError
    from reporting.returns.annex_a_spec import codes_path

    data = read_yaml(codes_path(), ConfigError)
    # YAML reads a code such as 4 as a number: the database holds it as text.
    return {name: {None if key is None else str(key): str(code) for key, code in table.items()}
            for name, table in data.items()}


# ---- docs/schema.md ------------------------------------------------------------------------------

DOC_START = "<!-- columns:start -->"
DOC_END = "<!-- columns:end -->"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ").strip()


def schema_markdown() -> str:
    """The generated section of docs/schema.md: every table and column (checked by tests/test_docs.py)."""
    lines: list[str] = []
    for table in schema_tables():
        # The table comment already says which part it is in ("SSD (...)", "Local extension: ...").
        lines += ["", f"### `{table.name}`", "", _cell(table.description) or table.part, "",
                  "| column | type | key | description | codes |", "|---|---|---|---|---|"]
        for c in table.columns:
            codes = f"{', '.join(f'`{v}`' for v in c.codes.values)} ({c.codes.source})" if c.codes else ""
            lines.append(f"| `{c.name}` | {c.type} | {_cell(c.key)} | {_cell(c.description)} | {_cell(codes)} |")
    return "\n".join(lines) + "\n\n"


def with_schema_section(document: str) -> str:
    """`document` (docs/schema.md) with its generated section replaced by the current one."""
    if DOC_START not in document or DOC_END not in document:
        raise ValueError(f"no {DOC_START} ... {DOC_END} markers to write the columns between")
    before, rest = document.split(DOC_START, 1)
    after = rest.split(DOC_END, 1)[1]
    return f"{before}{DOC_START}\n{schema_markdown()}{DOC_END}{after}"
