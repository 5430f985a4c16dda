"""Benchmarks from the DfE's own files (`mi benchmarks import FILE...`).

Reads Explore Education Statistics (EES) CSVs exactly as the DfE publishes them (one row per
time_period and geography), recognises each file by its header (config/benchmark_sources.yml),
and gives, per benchmark series and comparator (england, inner_london, camden,
statistical_neighbours), {year: value} with the file and publication each value came from.
`merge` lays an import over config/benchmarks.yml and `write_series` writes it back, keeping the
file's header comment (and any other top-level block) byte for byte.

Only published cells become values. Suppression symbols are "not published", never numbers; a
share the DfE gives only as counts is worked out from those counts and says so; the
statistical-neighbour mean needs every neighbour's value for the year. Anything unexpected (an
unknown header, a cell that is neither a number nor a known symbol) stops the import with the
file, line and column, before anything is written.
"""

from __future__ import annotations

import csv
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reporting import settings
from reporting.errors import MIError
from reporting.indicators.models import COMPARATORS, NOT_PUBLISHED, Benchmarks

# EES symbols (DfE data guidance): c suppressed (small numbers), k rounds to zero but is not
# zero, low / u low reliability, x not available, z not applicable, ":" not available (older
# files), blank missing. None of them is a value.
SYMBOLS = frozenset({"", "c", "k", "low", "u", "x", "z", ":"})
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# Every layout needs these to place a row in time and geography.
GEOGRAPHY = ("time_period", "time_identifier", "geographic_level", "region_code", "new_la_code")
# A merged source keeps the citation of years the import did not cover after this marker; the
# marker is split off again on the next import so citations do not nest.
_KEPT = re.compile(r"(?:^|; )kept from before \([^)]*\): ")


class BenchmarkImportError(MIError):
    """An import that cannot go ahead; the message names the file, line and column."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# ---------------------------------------------------------------------------------------------
# config/benchmark_sources.yml
# ---------------------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Publication(_Strict):
    title: str
    url: str = Field(pattern=r"^https://")


class Computed(_Strict):
    """A share worked out from published counts: sum(add) / divide_by * times."""

    add: list[str] = Field(min_length=1)
    divide_by: str
    times: int = 100
    decimals: int = Field(1, ge=0, le=3)


class SeriesRule(_Strict):
    column: str | None = Field(None, description="The published value column.")
    computed: Computed | None = None
    filters: dict[str, str] = Field({}, description="Only rows where each column has this value.")
    scale: str = Field(description="Unit and rounding as published, for the docs and the import report.")
    note: str | None = Field(None, description="Carried into the comparator's note (caveats of the measure).")

    @model_validator(mode="after")
    def _one_way(self) -> SeriesRule:
        if (self.column is None) == (self.computed is None):
            raise ValueError("give exactly one of column (a published value) or computed (from published counts)")
        return self

    def columns(self) -> list[str]:
        computed = cast(Computed, self.computed)  # set whenever column is not (_one_way)
        read = [self.column] if self.column else [*computed.add, computed.divide_by]
        return [*self.filters, *read]


class Layout(_Strict):
    description: str
    publication: str
    identify: list[str] = Field(min_length=1, description="Columns that together recognise the file.")
    series: dict[str, SeriesRule] = {}
    reason: str | None = Field(None, description="Why a recognised file feeds no series.")

    @model_validator(mode="after")
    def _feeds_or_says_why(self) -> Layout:
        if not self.series and not self.reason:
            raise ValueError("a layout with no series needs a reason (why the file is known but not imported)")
        return self


class LocalAuthority(_Strict):
    name: str
    old_la_code: str = Field(pattern=r"^\d{3}$")
    new_la_code: str = Field(pattern=r"^E\d{8}$")


class Region(_Strict):
    name: str
    region_code: str = Field(pattern=r"^E\d{8}$")


class StatisticalNeighbours(_Strict):
    source: str
    year: int = Field(ge=2000, le=2100)
    note: str | None = None
    decimals: int = Field(1, ge=0, le=3)
    local_authorities: list[LocalAuthority] = Field(min_length=1)


class Sources(_Strict):
    time_identifier: str
    local_authority: LocalAuthority
    inner_london: Region
    statistical_neighbours: StatisticalNeighbours
    publications: dict[str, Publication]
    layouts: dict[str, Layout]

    @model_validator(mode="after")
    def _known_publications(self) -> Sources:
        for name, layout in self.layouts.items():
            if layout.publication not in self.publications:
                raise ValueError(f"layouts.{name}.publication {layout.publication!r} is not a key of publications")
        codes = [la.new_la_code for la in self.statistical_neighbours.local_authorities]
        if len(set(codes)) != len(codes):
            raise ValueError("statistical_neighbours.local_authorities lists a new_la_code twice")
        return self


def sources_path() -> Path:
    return settings.config_dir() / "benchmark_sources.yml"


def load_sources(path: Path | None = None) -> Sources:
    path = path or sources_path()
    try:
        return Sources.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as error:
        raise BenchmarkImportError([f"{path} (field: {'.'.join(str(p) for p in e['loc']) or '(file)'}): {e['msg']}"
                            for e in error.errors()]) from None


# ---------------------------------------------------------------------------------------------
# Reading one file
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Gap:
    """A year of a series and comparator the file covers but does not publish a value for."""

    series: str
    comparator: str
    year: int
    reason: str


@dataclass
class FileReading:
    path: Path
    layout: str
    latest: int | None  # the newest time_period in the file: later releases win
    reason: str | None = None  # a recognised file that feeds nothing
    # (series, comparator) -> {year: value or None (covered, not published)}
    values: dict[tuple[str, str], dict[int, Decimal | None]] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)


def recognise(header: list[str], sources: Sources) -> list[str]:
    """The layouts whose identifying columns are all in `header`."""
    columns = set(header)
    return [name for name, layout in sources.layouts.items() if set(layout.identify) <= columns]


def _value(text: str, where: str) -> Decimal | None:
    text = text.strip()
    if text in SYMBOLS:
        return None
    if not _NUMBER.fullmatch(text):
        symbols = ", ".join(repr(s) for s in sorted(SYMBOLS))
        raise BenchmarkImportError([(f"{where}: {text!r} is not a number or a known symbol (expected digits, or one "
                                    f"of {symbols})")])
    return Decimal(text)


def _rounded(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def read_file(path: Path, sources: Sources) -> FileReading:
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # EES files may start with a BOM
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header:
                raise BenchmarkImportError([f"{path}: empty file; expected an EES CSV with a header line"])
            header = [h.strip() for h in header]
            matches = recognise(header, sources)
            if not matches:
                raise BenchmarkImportError([(f"{path}: not a recognised DfE (EES) file: its header matches no "
                                             f"layout in {sources_path().name} (header starts "
                                             f"{', '.join(header[:12])}...); add a layout there if it is a new "
                                             "published file")])
            if len(matches) > 1:
                raise BenchmarkImportError([(f"{path}: header matches more than one layout ({', '.join(matches)}); "
                                             f"make their identify columns in {sources_path().name} tell them apart")])
            layout = sources.layouts[matches[0]]
            missing = [c for c in (*GEOGRAPHY, *(c for r in layout.series.values() for c in r.columns()))
                       if c not in header]
            if missing:
                raise BenchmarkImportError([f"{path}: recognised as {matches[0]} but column {c!r} is missing"
                                            for c in dict.fromkeys(missing)])
            rows, problems = [], []
            for fields in reader:
                if not fields:
                    continue
                if len(fields) != len(header):
                    problems.append(f"{path}, line {reader.line_num}: {len(fields)} fields; the header has "
                                    f"{len(header)}")
                    continue
                rows.append((reader.line_num, dict(zip(header, fields))))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise BenchmarkImportError([f"{path}: cannot read it as a CSV: {error}"]) from None
    reading = FileReading(path, matches[0], None, layout.reason)
    years: set[int] = set()
    for line, row in rows:
        where = f"{path}, line {line}"
        period, identifier = row["time_period"].strip(), row["time_identifier"].strip()
        if not re.fullmatch(r"\d{4}", period):
            problems.append(f"{where}, column 'time_period': {period!r} is not a year (expected e.g. 2025)")
            continue
        if identifier != sources.time_identifier:
            problems.append(f"{where}, column 'time_identifier': {identifier!r}; expected "
                            f"{sources.time_identifier!r} (the file's years would mean something else)")
            continue
        years.add(int(period))
    if problems:
        raise BenchmarkImportError(problems)
    reading.latest = max(years, default=None)
    for series, rule in layout.series.items():
        problems += _read_series(reading, series, rule, rows, sources, years)
    if problems:
        raise BenchmarkImportError(problems)
    return reading


def _comparator(row: dict[str, str], sources: Sources) -> str | None:
    level = row["geographic_level"].strip()
    if level == "National":
        return "england"
    if level == "Regional" and row["region_code"].strip() == sources.inner_london.region_code:
        return "inner_london"
    if level == "Local authority" and row["new_la_code"].strip() == sources.local_authority.new_la_code:
        return "camden"
    return None


def _read_series(reading: FileReading, series: str, rule: SeriesRule, rows: list, sources: Sources,
                 years: set[int]) -> list[str]:
    path, problems = reading.path, []
    neighbours = {la.new_la_code: la.name for la in sources.statistical_neighbours.local_authorities}
    # (comparator or neighbour's LA code, year) -> (line, value, the cells that made it "not published")
    found: dict[tuple[str, int], tuple[int, Decimal | None, str]] = {}
    matched = 0
    computed = cast(Computed, rule.computed)  # set whenever rule.column is not (SeriesRule._one_way)
    for line, row in rows:
        if any(row[column].strip() != wanted for column, wanted in rule.filters.items()):
            continue
        matched += 1
        where = f"{path}, line {line}, column"
        read = [rule.column] if rule.column else [*computed.add, computed.divide_by]
        try:  # every matching row is checked, not only ours: a stray value means the layout changed
            cells = {c: _value(row[c], f"{where} {c!r}") for c in read}
        except BenchmarkImportError as error:
            problems += error.problems
            continue
        if rule.column:
            value = cells[rule.column]
        else:
            parts, total = [cells[c] for c in computed.add], cells[computed.divide_by]
            value = None if None in parts or not total else _rounded(
                sum(cast(list[Decimal], parts)) / total * computed.times, computed.decimals)
        # the cells behind a "not published": a symbol, or a zero to divide by
        why = ", ".join(f"{c} {row[c].strip()!r}" for c in read
                        if cells[c] is None or (c == getattr(rule.computed, "divide_by", None) and not cells[c]))
        year = int(row["time_period"])
        who = _comparator(row, sources)
        if who is None and row["geographic_level"].strip() == "Local authority":
            who = row["new_la_code"].strip() if row["new_la_code"].strip() in neighbours else None
        if who is None:
            continue
        if (who, year) in found:
            problems.append(f"{path}, lines {found[who, year][0]} and {line}: two rows for {who} {year} "
                            f"match {series} (filters {rule.filters or 'none'}); expected one")
            continue
        found[who, year] = (line, value, why)
    if rule.filters and not matched and rows:  # the DfE renamed a breakdown: say which, not "no values"
        column, wanted = next(((c, w) for c, w in rule.filters.items() if all(r[c].strip() != w for _, r in rows)),
                              next(iter(rule.filters.items())))
        seen = sorted({row[column].strip() for _, row in rows})[:8]
        problems.append(f"{path}: no row has {column} = {wanted!r} (for {series}); values seen: {seen}")
    for comparator in ("england", "inner_london", "camden"):
        for year in sorted(years):
            if (comparator, year) in found:
                line, value, why = found[comparator, year]
                reading.values.setdefault((series, comparator), {})[year] = value
                if value is None:
                    reading.gaps.append(Gap(series, comparator, year, f"not published: {why} (line {line})"))
            else:
                reading.gaps.append(Gap(series, comparator, year, "no row in the file"))
    for year in sorted(years):
        # a neighbour with no row leaves the year uncovered (a cut-down or combined-authority file
        # says nothing); a neighbour published as a symbol makes the mean "not published"
        absent = [name for code, name in neighbours.items() if (code, year) not in found]
        suppressed = [f"{name} ({found[code, year][2]})" for code, name in neighbours.items()
                      if (code, year) in found and found[code, year][1] is None]
        if absent:
            reading.gaps.append(Gap(series, "statistical_neighbours", year, f"no row for {', '.join(absent)}"))
            continue
        if suppressed:
            value = None
            reading.gaps.append(Gap(series, "statistical_neighbours", year,
                                    f"not published for {', '.join(suppressed)}"))
        else:
            # none suppressed: every neighbour's value is a number (and there is at least one neighbour)
            mean = cast(Decimal, sum(cast(Decimal, found[code, year][1]) for code in neighbours)) / len(neighbours)
            value = _rounded(mean, sources.statistical_neighbours.decimals)
        reading.values.setdefault((series, "statistical_neighbours"), {})[year] = value
    return problems


# ---------------------------------------------------------------------------------------------
# Several files: the newest release wins a year
# ---------------------------------------------------------------------------------------------
@dataclass
class Imported:
    """One series and comparator from the files read: year -> value (None = not published)."""

    values: dict[int, float | None]
    source: str
    note: str | None


@dataclass
class ImportResult:
    files: list[FileReading]
    series: dict[str, dict[str, Imported]]
    gaps: list[Gap]


def _years(years) -> str:
    years = sorted(years)
    return f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"


def _citation(reading: FileReading, years, series: str, comparator: str, sources: Sources) -> str:
    layout = sources.layouts[reading.layout]
    rule, publication = layout.series[series], sources.publications[layout.publication]
    if rule.column:
        what = f"column {rule.column}"
    else:
        computed = cast(Computed, rule.computed)  # set whenever rule.column is not (SeriesRule._one_way)
        what = f"({' + '.join(computed.add)}) / {computed.divide_by} x {computed.times}"
    if rule.filters:
        what += " where " + ", ".join(f"{k} = {v}" for k, v in rule.filters.items())
    rows = {"england": "National row", "inner_london": f"Regional row {sources.inner_london.region_code}",
            "camden": f"Local authority row {sources.local_authority.new_la_code}",
            "statistical_neighbours": "Local authority rows of the statistical neighbours"}[comparator]
    return f"{publication.title}, file {reading.path.name} ({_years(years)}), {rows}, {what}: {publication.url}"


def _note(series: str, comparator: str, readings: list[FileReading], sources: Sources) -> str | None:
    notes = []  # what was computed here, then the measure's caveats from the layout
    rules = [sources.layouts[r.layout].series[series] for r in readings]
    computed = next((r.computed for r in rules if r.computed), None)
    if comparator == "statistical_neighbours":
        group = sources.statistical_neighbours
        notes.append(f"computed: mean of the {len(group.local_authorities)} statistical neighbours' values "
                     f"({', '.join(la.name for la in group.local_authorities)}; DfE statistical neighbour list "
                     f"{group.year}), given for a year only when all are published, {_places(group.decimals)}")
    if computed:
        notes.append(f"computed from published counts: ({' + '.join(computed.add)}) / {computed.divide_by} "
                     f"x {computed.times}, {_places(computed.decimals)}")
    caveats = [n.rstrip(".") for n in dict.fromkeys(r.note for r in rules if r.note)]
    return ". ".join(filter(None, ["; ".join(notes), *caveats])) + "." if notes or caveats else None


def import_files(paths: list[Path], sources: Sources | None = None, known_series=None) -> ImportResult:
    """Read every file (all problems of all files are reported together) and combine them."""
    sources = sources or load_sources()
    problems, readings = [], []
    if known_series is not None:
        for name, layout in sources.layouts.items():
            problems += [(f"{sources_path()} (field: layouts.{name}.series.{s}): unknown benchmark series; "
                          "expected a key of series in config/benchmarks.yml")
                         for s in layout.series if s not in known_series]
    for path in paths:
        try:
            readings.append(read_file(path, sources))
        except BenchmarkImportError as error:
            problems += error.problems
    if problems:
        raise BenchmarkImportError(problems)
    chosen: dict[tuple[str, str], dict[int, tuple[FileReading, Decimal | None]]] = {}
    for reading in readings:
        for key, year_values in reading.values.items():
            for year, value in year_values.items():
                held = chosen.setdefault(key, {}).get(year)
                if held is None or (reading.latest or 0) > (held[0].latest or 0):
                    chosen[key][year] = (reading, value)
                elif held[0].latest == reading.latest and held[1] != value:
                    problems.append(f"{held[0].path} and {reading.path} give {key[0]} {key[1]} {year} as "
                                    f"{_shown(held[1])} and {_shown(value)}, and both run to {reading.latest}: "
                                    "import one release at a time")
    if problems:
        raise BenchmarkImportError(problems)
    series: dict[str, dict[str, Imported]] = {}
    for (name, comparator), by_year in sorted(chosen.items()):
        used: dict[Path, list[int]] = {}
        for year, (reading, _) in by_year.items():
            used.setdefault(reading.path, []).append(year)
        files = {r.path: r for r in readings}
        source = "; ".join(_citation(files[p], ys, name, comparator, sources) for p, ys in used.items())
        values: dict[int, float | None] = {y: None if v is None else _number(v)
                                           for y, (_, v) in sorted(by_year.items())}
        if all(v is None for v in values.values()):
            source = f"{NOT_PUBLISHED} ({_years(values)}) in: {source}"
        series.setdefault(name, {})[comparator] = Imported(values, source,
                                                           _note(name, comparator, [files[p] for p in used], sources))
    # a year another (newer) release gives is no gap; the same gap from several files is one
    gaps: dict[tuple[str, str, int], Gap] = {}
    for reading in readings:
        for gap in reading.gaps:
            held = chosen.get((gap.series, gap.comparator), {}).get(gap.year)
            if held is None or held[0] is reading:
                gaps.setdefault((gap.series, gap.comparator, gap.year), gap)
    return ImportResult(readings, series, list(gaps.values()))


def _places(decimals: int) -> str:
    return "whole numbers" if decimals == 0 else f"to {decimals} decimal place{'s' if decimals > 1 else ''}"


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _shown(value) -> str:
    return NOT_PUBLISHED if value is None else f"{value:g}" if isinstance(value, float) else str(value)


# ---------------------------------------------------------------------------------------------
# Laying an import over config/benchmarks.yml
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    series: str
    comparator: str
    year: int | None  # None: the source or note text changed
    old: object
    new: object

    def line(self) -> str:
        if self.year is None:
            return f"{self.series} {self.comparator} source/note updated"
        return f"{self.series} {self.comparator} {self.year}: {_shown(self.old)} -> {_shown(self.new)}"


def merge(raw_series: dict, result: ImportResult) -> tuple[dict, list[Change]]:
    """The `series:` mapping of config/benchmarks.yml with the import laid over it, and the changes.

    Years the import covers take its value (a year it covers but that is not published is
    removed); other years are kept and their citation is kept after the new one.
    """
    merged, changes = {k: dict(v) for k, v in raw_series.items()}, []
    for name, comparators in result.series.items():
        if name not in merged:
            raise BenchmarkImportError([f"benchmark series {name!r} is not a key of series in config/benchmarks.yml"])
        entry = merged[name]
        for comparator, imported in comparators.items():
            old = entry.get(comparator) or {"source": NOT_PUBLISHED, "values": {}}
            old_values = {int(y): v for y, v in (old.get("values") or {}).items()}
            values = dict(old_values)
            for year, value in imported.values.items():
                if value is None:
                    values.pop(year, None)
                else:
                    values[year] = value
                if old_values.get(year) != value and not (value is None and year not in old_values):
                    changes.append(Change(name, comparator, year, old_values.get(year), value))
            kept = sorted(set(old_values) - set(imported.values))
            source, note = imported.source, imported.note
            if kept:
                marker = f"kept from before ({', '.join(map(str, kept))}): "
                source = f"{source}; {marker}{_earlier(old['source'], imported.source)}"
                if old.get("note") and old["note"] != note:
                    note = "; ".join(filter(None, [(note or "").rstrip("."), marker + _earlier(old["note"], note)]))
            new: dict[str, object] = {"source": source}
            if note:
                new["note"] = note
            new["values"] = dict(sorted(values.items()))
            if (old.get("source"), old.get("note")) != (source, note):
                changes.append(Change(name, comparator, None, None, None))
            entry[comparator] = new
        merged[name] = {k: entry[k] for k in ("title", "unit", *COMPARATORS) if k in entry} | \
            {k: v for k, v in entry.items() if k not in ("title", "unit", *COMPARATORS)}
    return merged, changes


class _PlainDumper(yaml.SafeDumper):
    """Writes every mapping out in full: no &anchors / *aliases when two comparators are alike."""

    def ignore_aliases(self, data) -> bool:
        return True


def _earlier(old: str, new: str | None) -> str:
    """The citation of the years an import leaves alone: the old text, less the citation the same
    import wrote last time (so running an import twice does not stack citations)."""
    head, *rest = _KEPT.split(old, maxsplit=1)
    return rest[0] if rest and head in (new or "", (new or "").rstrip(".")) else old


def benchmarks_path() -> Path:
    return settings.config_dir() / "benchmarks.yml"


def write_series(path: Path, series: dict) -> None:
    """Replace the top-level `series:` block of `path`; every other line (the header comment)
    stays as it is. Checked against the model before the file is replaced."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"series:\s*(#.*)?$", line)), None)
    if start is None:
        raise BenchmarkImportError([f"{path}: no top-level 'series:' line to replace"])
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"[^\s#]", lines[i])), len(lines))
    block = yaml.dump({"series": series}, Dumper=_PlainDumper, sort_keys=False, default_flow_style=None,
                      allow_unicode=True, width=100_000)
    new_text = "".join(lines[:start]) + block + "".join(lines[end:])
    before, after = yaml.safe_load(text), yaml.safe_load(new_text)
    try:
        Benchmarks.model_validate(after)
    except ValidationError as error:
        raise BenchmarkImportError([f"{path}: the updated file would not load: {error}"]) from None
    if {k: v for k, v in before.items() if k != "series"} != {k: v for k, v in after.items() if k != "series"}:
        raise BenchmarkImportError([f"{path}: writing the series would change another block; nothing written"])
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(new_text)
    os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))  # mkstemp's 0600 would hide the config from others
    os.replace(tmp, path)  # all or nothing: a crash leaves the old file, never half a new one
