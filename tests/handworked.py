"""Load the hand-worked authority (tests/fixtures/handworked/authority.yml) into a fresh SQLite file.

The fixture is written by hand and read by people, so its format is compact; this loader turns it
into rows of the real schema (reporting.casedb.schema.case_metadata) and nothing else: no figure
is computed here, and nothing is generated beyond the neutral defaults listed below.

The file has four parts:

* ``period`` and ``as_at``: the reporting period the tests use (documentation for the reader; the
  tests state their periods themselves).
* ``organisation``: ``services``, ``teams`` and ``staff``. A service becomes an ``ssd_department``
  row and an ``ext_services`` row; a team an ``ssd_department`` row (parent: its service) and an
  ``ext_teams`` row; a member of staff an ``ssd_professionals`` row and an ``ext_staff`` row.
* ``people``: one block per person (``id``, ``name``, ``dob``, ``sex``, ``story``, and optionally
  ``died`` for a date of death and ``ethnicity``), with
  ``allocated`` (who held the case, when: ``ssd_involvements`` rows, the team being the worker's
  team; ``referral`` names the referral it was made for) and ``rows``: for each table, the rows
  that belong to this person.
* ``tables``: rows that belong to nobody in particular (schools, audits...), by table.

Row conventions (all documented in the fixture's header too):

* A column may be named in full (``cine_referral_date``) or without the table's column prefix
  (``referral_date`` in ``ssd_cin_episodes``). An unknown column is an error, never ignored.
* In a person's block, the table's person column (its only column ending in ``_person_id``) is
  filled with the person's id when the row does not give it.
* ``ssd_contacts``: ``outcome: <text>`` is stored as the case system stores it,
  ``cont_contact_outcome_json = {"outcome": "<text>"}``.
* A single-column text primary key left out is numbered ``<person or table>-<table>-<n>``
  (visits, contacts... that nothing else refers to). Ids other rows refer to are written out.
* Neutral defaults for NOT NULL columns that no figure reads (``DEFAULTS``): ``staf_is_asye``,
  ``audi_moderated`` and ``cypp_shared_with_adults`` false; ``staf_email`` made from the staff
  id. Any other NOT NULL column left out is an error: the fixture must say it.

Foreign keys are enforced while loading (SQLite ``PRAGMA foreign_keys``), so a mistyped id in the
fixture fails here rather than silently dropping a row from a join.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from sqlalchemy import Engine, String, create_engine, event

from reporting.casedb.schema import case_metadata
from reporting.casedb.seed import load_calendar

FIXTURE = Path(__file__).parent / "fixtures" / "handworked" / "authority.yml"

DEFAULTS: dict[str, object] = {
    "staf_is_asye": False,
    "audi_moderated": False,
    "cypp_shared_with_adults": False,
}


class FixtureError(ValueError):
    """The hand-written fixture says something the schema cannot hold."""


def read_fixture(path: Path = FIXTURE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _prefix(table) -> str | None:
    prefixes = {c.name.split("_", 1)[0] for c in table.columns if "_" in c.name}
    return prefixes.pop() if len(prefixes) == 1 else None


def _column(table, key: str) -> str:
    if key in table.columns:
        return key
    prefix = _prefix(table)
    if prefix and f"{prefix}_{key}" in table.columns:
        return f"{prefix}_{key}"
    raise FixtureError(f"{table.name}: no column {key!r} (nor {prefix}_{key})")


class _Rows:
    """The rows to insert, by table, with the fixture's conventions applied."""

    def __init__(self) -> None:
        self.metadata = case_metadata()
        self.by_table: dict[str, list[dict]] = {}
        self._numbers: dict[tuple[str, str], int] = {}

    def add(self, table_name: str, raw: dict, *, owner: str | None = None) -> dict:
        if table_name not in self.metadata.tables:
            raise FixtureError(f"no table {table_name!r} in the schema")
        table = self.metadata.tables[table_name]
        raw = dict(raw)
        if table_name == "ssd_contacts" and "outcome" in raw:
            raw["cont_contact_outcome_json"] = json.dumps({"outcome": raw.pop("outcome")})
        row = {_column(table, k): v for k, v in raw.items()}
        if owner is not None:
            person_columns = [c.name for c in table.columns if c.name.endswith("_person_id")]
            if len(person_columns) == 1 and person_columns[0] not in row:
                row[person_columns[0]] = owner
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and keys[0].name not in row and isinstance(keys[0].type, String):
            label = owner or table_name
            n = self._numbers[(label, table_name)] = self._numbers.get((label, table_name), 0) + 1
            row[keys[0].name] = f"{label}-{table_name.removeprefix('ssd_').removeprefix('ext_')}-{n}"
        for column in table.columns:
            if column.name not in row and column.name in DEFAULTS:
                row[column.name] = DEFAULTS[column.name]
            if not column.nullable and row.get(column.name) is None:
                raise FixtureError(f"{table_name} row {raw}: {column.name} is required (NOT NULL)")
        self.by_table.setdefault(table_name, []).append(row)
        return row


def fixture_rows(fixture: dict) -> dict[str, list[dict]]:
    """Every row the fixture describes, by table name."""
    rows = _Rows()
    organisation = fixture["organisation"]
    staff_team = {s["id"]: s["team"] for s in organisation["staff"]}
    for service in organisation["services"]:
        rows.add("ssd_department", {"dept_team_id": service["id"], "dept_team_name": service["name"]})
    for team in organisation["teams"]:
        rows.add("ssd_department", {"dept_team_id": team["id"], "dept_team_name": team["name"],
                                    "dept_team_parent_id": team["service"],
                                    "dept_team_parent_name": next(s["name"] for s in organisation["services"]
                                                                  if s["id"] == team["service"])})
    for person in organisation["staff"]:
        rows.add("ssd_professionals", {
            "prof_professional_id": person["id"], "prof_staff_id": person["id"],
            "prof_professional_name": person["name"], "prof_professional_job_title": person["role"],
            "prof_professional_department": person["team"],
            "prof_full_time_equivalency": person.get("fte"),
            "prof_agency_worker_flag": "Y" if person["agency"] else "N"})
        rows.add("ext_staff", {
            "staf_professional_id": person["id"], "staf_role": person["role"], "staf_team_id": person["team"],
            "staf_start_date": person["start"], "staf_leave_date": person.get("leave"),
            "staf_is_agency": person["agency"], "staf_email": f"{person['id'].lower()}@handworked.test"})
    for service in organisation["services"]:
        rows.add("ext_services", {"serv_service_id": service["id"], "serv_service_name": service["name"],
                                  "serv_area": service["area"]})
    for team in organisation["teams"]:
        rows.add("ext_teams", {"team_team_id": team["id"], "team_service_id": team["service"],
                               "team_kind": team["kind"], "team_manager_id": team.get("manager")})
    for person in fixture["people"]:
        forename, _, surname = person["name"].partition(" ")
        rows.add("ssd_person", {"pers_person_id": person["id"], "pers_forename": forename,
                                "pers_surname": surname, "pers_dob": person["dob"], "pers_sex": person["sex"],
                                "pers_death_date": person.get("died"), "pers_ethnicity": person.get("ethnicity")})
    for person in fixture["people"]:
        for n, allocation in enumerate(person.get("allocated") or [], start=1):
            worker = allocation["worker"]
            rows.add("ssd_involvements", {
                "invo_involvements_id": f"{person['id']}-allocation-{n}", "invo_person_id": person["id"],
                "invo_professional_id": worker, "invo_professional_team": staff_team[worker],
                "invo_professional_role_id": "Allocated case worker",
                "invo_involvement_start_date": allocation["from"],
                "invo_involvement_end_date": allocation.get("until"), "invo_referral_id": allocation.get("referral")})
        for table_name, table_rows in (person.get("rows") or {}).items():
            for raw in table_rows:
                rows.add(table_name, raw, owner=person["id"])
    for table_name, table_rows in (fixture.get("tables") or {}).items():
        for raw in table_rows:
            rows.add(table_name, raw)
    return rows.by_table


def build_database(path: Path, fixture_path: Path = FIXTURE) -> Engine:
    """A new SQLite file at `path`: the whole schema, the calendar, and the fixture's rows."""
    if path.exists():
        raise FileExistsError(path)
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    metadata = case_metadata()
    metadata.create_all(engine)
    load_calendar(engine)
    by_table = fixture_rows(read_fixture(fixture_path))
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            table_rows = by_table.pop(table.name, None)
            if table_rows:
                columns = [c.name for c in table.columns]
                conn.execute(table.insert(), [{c: r.get(c) for c in columns} for r in table_rows])
    engine.dispose()
    return create_engine(f"sqlite:///{path}")


def table_count(engine: Engine, table: str) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text(f'select count(*) from "{table}"')).scalar_one()


__all__ = ["FIXTURE", "FixtureError", "build_database", "fixture_rows", "read_fixture", "table_count"]
