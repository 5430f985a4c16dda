"""What Ofsted's Annex A workbook must hold, loaded and cross-checked before anything runs.

Three files, each with one job:

* `sql/_annex_a/specification.yml`: the specification's lists, columns in order, blank rules and
  codes (a copy of liia-tools' machine-readable Annex A schema, with its source);
* `sql/_annex_a/lists.yml`: for each list, its SQL file and, per specification column, the SQL
  column and the code table its values are written with;
* `config/annex_a_codes.yml`: the code tables (case-system value -> specification code).

`load()` refuses a mismatch with an error naming the file, list and column: a header that is not
the specification's (or not in its order), a code table that does not exist, or a table that
writes a code the specification does not have.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from reporting import settings
from reporting.config_files import load_model, read_yaml
from reporting.errors import ConfigError

Window = Literal["six_months", "twelve_months", "as_at"]


class AnnexAConfigError(ConfigError):
    """An Annex A definition file is unusable: names the file, list and column and what is wrong."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpecColumn(_Strict):
    header: str
    type: Literal["string", "date", "numeric", "category"]
    blank: bool
    codes: tuple[str, ...] = ()
    liia_tools_codes: tuple[str, ...] = ()


class SpecList(_Strict):
    title: str
    columns: tuple[SpecColumn, ...]


class Specification(_Strict):
    lists: dict[str, SpecList]


class ListColumn(_Strict):
    header: str
    field: str
    codes: str | None = None
    json_key: str | None = None  # read this key of a JSON value
    missing: str | None = None  # look a value not recorded up under this key (no finding: not a defect)


class ListDefinition(_Strict):
    sheet: str
    title: str
    sql: str
    window: Window
    columns: tuple[ListColumn, ...]


class Lists(_Strict):
    lists: tuple[ListDefinition, ...]


class AnnexA(_Strict):
    """The checked definitions: each list with its specification columns and code tables."""

    specification: Specification
    lists: tuple[ListDefinition, ...]
    codes: dict[str, dict[str | None, str]]
    folder: Path

    def spec_for(self, definition: ListDefinition) -> SpecList:
        return self.specification.lists[_key(definition.sheet)]


def annex_a_dir() -> Path:
    return settings.sql_dir() / "_annex_a"


def codes_path() -> Path:
    return settings.config_dir() / "annex_a_codes.yml"


def load(folder: Path | None = None, codes_file: Path | None = None) -> AnnexA:
    """The definitions in `folder` (default sql/_annex_a) with the code tables (default config/)."""
    return _load(folder or annex_a_dir(), codes_file or codes_path())


def _load(folder: Path, codes_file: Path) -> AnnexA:
    spec = load_model(Specification, folder / "specification.yml", AnnexAConfigError)
    lists = load_model(Lists, folder / "lists.yml", AnnexAConfigError)
    codes = _codes(codes_file)
    for definition in lists.lists:
        where = f"{folder / 'lists.yml'}: {definition.sheet}"
        spec_list = spec.lists.get(_key(definition.sheet))
        if spec_list is None:
            raise AnnexAConfigError(f"{where}: no such list in the specification (expected List 1 to List 11)")
        headers = [c.header for c in definition.columns]
        expected = [c.header for c in spec_list.columns]
        if headers != expected:
            wrong = next(i for i, pair in enumerate(zip(headers + [""] * len(expected), expected + [""] * len(headers)))
                         if pair[0] != pair[1])
            raise AnnexAConfigError(
                f"{where}: column {wrong + 1} is {_quote(headers, wrong)}, the specification's is "
                f"{_quote(expected, wrong)}; the columns must be the specification's, in its order")
        if not (folder / definition.sql).is_file():
            raise AnnexAConfigError(f"{where}: SQL file {folder / definition.sql} does not exist")
        for column, spec_column in zip(definition.columns, spec_list.columns):
            _check_codes(where, column, spec_column, codes, codes_file)
    return AnnexA(specification=spec, lists=lists.lists, codes=codes, folder=folder)


def _check_codes(where: str, column: ListColumn, spec_column: SpecColumn,
                 codes: dict[str, dict[str | None, str]], codes_file: Path) -> None:
    if spec_column.type == "category" and column.codes is None and column.header != "LA of Placement":
        raise AnnexAConfigError(f"{where}: column {column.header!r} is coded in the specification; name its "
                                f"code table (codes:) from {codes_file}")
    if column.codes is None:
        return
    table = codes.get(column.codes)
    if table is None:
        raise AnnexAConfigError(f"{where}: column {column.header!r} names code table {column.codes!r}, which "
                                f"{codes_file} does not have (it has {', '.join(sorted(codes))})")
    allowed = set(spec_column.codes)
    for value, code in table.items():
        if code not in allowed:
            raise AnnexAConfigError(
                f"{codes_file}: table {column.codes!r} writes {value!r} as {code!r}, which is not a code of "
                f"{column.header!r} in the specification (expected one of: {', '.join(spec_column.codes)})")


def _key(sheet: str) -> str:
    return "list_" + sheet.removeprefix("List ").strip()


def _quote(headers: list[str], index: int) -> str:
    return repr(headers[index]) if index < len(headers) else "missing"


def _codes(path: Path) -> dict[str, dict[str | None, str]]:
    data = read_yaml(path, AnnexAConfigError)
    if not isinstance(data, dict):
        raise AnnexAConfigError(f"{path}: expected a mapping of code tables")
    tables: dict[str, dict[str | None, str]] = {}
    for name, table in data.items():
        if not isinstance(table, dict) or not all(isinstance(code, str) for code in table.values()):
            raise AnnexAConfigError(f"{path}: table {name!r} must map each value to a code (text)")
        # Keys as text ("1" and 1 alike); `null:` is the code for a value not recorded.
        tables[str(name)] = {None if key is None else str(key): code for key, code in table.items()}
    return tables
