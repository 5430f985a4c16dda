"""`mi benchmarks import`: the DfE's Explore Education Statistics CSVs become benchmark values exactly
as published; suppressed cells stay "not published"; unknown files and stray values are refused with
the file, line and column; --write changes only the series and keeps the header comment of
config/benchmarks.yml.

The fixtures (tests/fixtures/ees) are rows copied unchanged from the DfE's published files (DfE's
own copies in github.com/dfe-analytical-services/CSC_outcomes_and_enablers, data-raw/), cut down to
England, Inner London, Camden, the statistical neighbours and a few other authorities; the header
lines are the published ones.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from reporting import settings
from reporting.cli.main import app
from reporting.indicators.benchmark_import import (
    BenchmarkImportError,
    import_files,
    load_sources,
    merge,
    read_file,
    recognise,
)
from reporting.indicators.models import Benchmarks

FIXTURES = Path(__file__).parent / "fixtures" / "ees"
C1 = FIXTURES / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
C4 = FIXTURES / "c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv"
D3 = FIXTURES / "d3_cpps_subsequent_plan_2013_to_2025.csv"
CSWW = FIXTURES / "csww_indicators_2017_to_2025.csv"
PLACEMENTS = FIXTURES / "la_cla_placement_stability.csv"
CLA_RATES = FIXTURES / "cla_number_and_rate_per_10k_children.csv"
B1_2024 = FIXTURES / "b1_children_in_need_2013_to_2024.csv"
B1_2025 = FIXTURES / "b1_children_in_need_2013_to_2025.csv"
POPULATION = FIXTURES / "ons_mid-year_population_estimates_2012_to_2024.csv"  # a DfE-hosted file we do not read
PUBLISHED = [C1, C4, D3, CSWW, PLACEMENTS, CLA_RATES, B1_2024, B1_2025]
SN = "statistical_neighbours"
# the header line of the C1 file as published in 2024 (c1_..._2013_to_2024.csv; renamed in 2025)
C1_2024_HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
                  "old_la_code,new_la_code,la_name,category,Referrals,Referrals_rate,Re_referrals,Re_referrals_percent,"
                  "No_Further_Action,No_Further_Action_percent,Not_in_Need,Not_in_Need_percent,Referrals_child,"
                  "Referrals_child_rate,Re_referrals_child,Re_referrals_child_percent")


def _values(result, series: str) -> dict[str, dict[int, float | None]]:
    return {comparator: imported.values for comparator, imported in result.series[series].items()}


def _edited(tmp_path: Path, source: Path, old_row: str, new_row: str, name: str | None = None) -> Path:
    """A copy of a fixture with one published row changed (the row must be there exactly once)."""
    text = source.read_text(encoding="utf-8")
    assert text.count(old_row) == 1, old_row
    path = tmp_path / (name or source.name)
    path.write_text(text.replace(old_row, new_row), encoding="utf-8")
    return path


def test_referrals_are_the_published_rows_and_the_neighbour_mean_is_worked_out_when_all_ten_are_published():
    result = import_files([C1])
    # England, Inner London (Regional E13000001) and Camden (E09000007) rows, rereferral_percent column
    # Statistical neighbours, 2025: Westminster 18.6, Hammersmith and Fulham 15.3, Kensington and
    # Chelsea 21, Islington 16.8, Wandsworth 17.9, Manchester 18.4, Greenwich 13.1, Reading 22.9,
    # Haringey 18.7, Barnet 14.8 -> 177.5 / 10 = 17.75 -> 17.8 (half up).
    # 2024: 15.6 + 12.9 + 20.3 + 15.9 + 20.6 + 18.7 + 15.1 + 26.6 + 18.4 + 13.2 = 177.3 -> 17.73 -> 17.7.
    # Outer London (19.6), North Tyneside and County Durham are in the file and must not leak in.
    assert _values(result, "rereferrals_within_12_months_pct") == {
        "england": {2024: 22.4, 2025: 22.6},
        "inner_london": {2024: 18.2, 2025: 19.1},
        "camden": {2024: 18.6, 2025: 18.3},
        SN: {2024: 17.7, 2025: 17.8},
    }
    imported = result.series["rereferrals_within_12_months_pct"]
    assert C1.name in imported["camden"].source and "E09000007" in imported["camden"].source
    assert "characteristics-of-children-in-need" in imported["england"].source
    assert imported[SN].note.startswith("computed: mean of the 10 statistical neighbours")
    assert imported["england"].note is None  # a published percentage, nothing computed
    # Hampshire 2024 is all 'u', Barnet 2024 has 'u' in a column we do not read: neither is an error
    assert result.gaps == []


def test_icpc_share_is_computed_from_published_counts_and_says_so():
    result = import_files([C4])
    # (Duration_0-10_days + Duration_11-15_days) / ICPC x 100, to 1 decimal place:
    # England 2025 (6240 + 52430) / 72100 = 81.37 -> 81.4; 2024 (6800 + 50780) / 72250 = 79.70 -> 79.7
    # Inner London 2025 (660 + 2050) / 3470 = 78.10 -> 78.1; 2024 (730 + 2070) / 3920 = 71.43 -> 71.4
    # Camden 2025 (54 + 185) / 288 = 82.99 -> 83.0 (the file has no Camden 2024 row)
    # Neighbours 2025, each rounded first: Westminster 100/124 = 80.6, Hammersmith and Fulham 100/144 = 69.4,
    # Kensington and Chelsea 101/126 = 80.2, Islington 123/171 = 71.9, Wandsworth 86/101 = 85.1,
    # Manchester 751/901 = 83.4, Greenwich 250/352 = 71.0, Reading 195/358 = 54.5, Haringey 191/250 = 76.4,
    # Barnet 229/277 = 82.7 -> 755.2 / 10 = 75.52 -> 75.5
    assert _values(result, "icpc_within_15wd_pct") == {
        "england": {2024: 79.7, 2025: 81.4},
        "inner_london": {2024: 71.4, 2025: 78.1},
        "camden": {2025: 83.0},
        SN: {2025: 75.5},
    }
    for imported in result.series["icpc_within_15wd_pct"].values():
        assert "computed from published counts" in imported.note
    gaps = {(g.comparator, g.year): g.reason for g in result.gaps}
    assert gaps[("camden", 2024)] == "no row in the file"
    assert gaps[(SN, 2024)].startswith("no row for Westminster")  # only Manchester has a 2024 row


def test_second_plans_placements_and_cla_rates_pick_the_rows_their_filters_name():
    result = import_files([D3, PLACEMENTS, CLA_RATES, B1_2024])
    # D3 CPP_subsequent_percent; neighbours 2025: 7.6 + 11.1 + 13.6 + 12.4 + 20.7 + 21.4 + 19.8 + 25.1
    # + 24.9 + 11.8 = 168.4 -> 16.84 -> 16.8
    assert _values(result, "cp_second_or_subsequent_pct") == {
        "england": {2024: 24.7, 2025: 24.5}, "inner_london": {2024: 22.9, 2025: 19}, "camden": {2025: 21.9},
        SN: {2025: 16.8}}
    # placement stability: the children_percent of the named cla_group / placement_stability rows only
    # (the "Total children" rows are 100 and the 2-year group is 23 for England)
    assert _values(result, "cla_three_plus_placements_pct") == {
        "england": {2025: 10}, "inner_london": {2025: 10}, "camden": {2025: 10}}
    assert _values(result, "cla_long_term_stability_pct") == {
        "england": {2025: 69}, "inner_london": {2025: 68}, "camden": {2025: 56}}
    # rate_per_10000 of "Children looked after at 31 March each year", not the starters' (28) or leavers' (28)
    assert _values(result, "cla_rate_per_10000") == {"england": {2024: 70}, "inner_london": {2024: 62},
                                                      "camden": {2024: 59}}
    # B1 2024: At31_episodes_rate; the cut-down file has no Camden row, so Camden gets nothing
    assert _values(result, "cin_rate_per_10000") == {"england": {2024: 332.9}, "inner_london": {2024: 433.6}}


def test_workforce_symbols_are_not_published_and_the_neighbour_mean_needs_every_neighbour():
    result = import_files([CSWW])
    # Kensington and Chelsea and Westminster are 'x' in 2025, Sunderland 'low', Kirklees 'z': none is a number
    assert _values(result, "social_workers_agency_pct") == {
        "england": {2025: 13}, "inner_london": {2025: 17.3}, "camden": {2025: 9.4}, SN: {2025: None}}
    assert _values(result, "average_caseload") == {
        "england": {2025: 15.2}, "inner_london": {2025: 12.8}, "camden": {2025: 11.2}, SN: {2025: None}}
    reasons = {g.series: g.reason for g in result.gaps if g.comparator == SN}
    assert reasons["social_workers_agency_pct"] == ("not published for Westminster (agency_rate_fte 'x'), "
                                                    "Kensington and Chelsea (agency_rate_fte 'x')")


def test_a_suppressed_cell_is_never_stored_and_removes_a_year_the_newer_file_no_longer_publishes(tmp_path):
    camden = ("2025,Reporting year,Local authority,E92000001,England,E13000001,Inner London,202,E09000007,Camden,"
              "Referrals and Re-referrals,2086,381,18.3,")
    westminster = ("2024,Reporting year,Local authority,E92000001,England,E13000001,Inner London,213,E09000033,"
                   "Westminster,Referrals and Re-referrals,1873,293,15.6,")
    path = _edited(tmp_path, C1, camden, camden.replace(",381,18.3,", ",c,c,"))
    path = _edited(tmp_path, path, westminster, westminster.replace(",293,15.6,", ",x,x,"))
    result = import_files([path])
    values = _values(result, "rereferrals_within_12_months_pct")
    assert values["camden"] == {2024: 18.6, 2025: None}
    assert values[SN] == {2024: None, 2025: 17.8}  # one neighbour not published: no mean for 2024
    reasons = {(g.comparator, g.year): g.reason for g in result.gaps}
    assert reasons[("camden", 2025)] == "not published: rereferral_percent 'c' (line 10)"
    assert reasons[(SN, 2024)] == "not published for Westminster (rereferral_percent 'x')"
    shipped = yaml.safe_load((settings.config_dir() / "benchmarks.yml").read_text(encoding="utf-8"))
    merged, changes = merge(shipped["series"], result)
    after = merged["rereferrals_within_12_months_pct"]
    assert after["camden"]["values"] == {2023: 14, 2024: 18.6} and after[SN]["values"] == {2025: 17.8}
    lines = {c.line() for c in changes}
    assert "rereferrals_within_12_months_pct camden 2025: 18.3 -> not published" in lines
    assert "rereferrals_within_12_months_pct statistical_neighbours 2024: 17.7 -> not published" in lines


def test_a_value_that_is_neither_a_number_nor_a_symbol_names_the_file_line_and_column(tmp_path):
    camden = ("2025,Reporting year,Local authority,E92000001,England,E13000001,Inner London,202,E09000007,Camden,"
              "Referrals and Re-referrals,2086,381,18.3,")
    path = _edited(tmp_path, C1, camden, camden.replace(",18.3,", ",18·3,"))
    with pytest.raises(BenchmarkImportError) as error:
        import_files([path])
    assert str(error.value) == (f"{path}, line 10, column 'rereferral_percent': '18·3' is not a number or a known "
                                "symbol (expected digits, or one of '', ':', 'c', 'k', 'low', 'u', 'x', 'z')")


def test_a_renamed_breakdown_is_named_rather_than_imported_as_nothing(tmp_path):
    path = tmp_path / PLACEMENTS.name
    path.write_text(PLACEMENTS.read_text(encoding="utf-8").replace(",CLA on 31 March,", ",Looked after on 31 March,"),
                    encoding="utf-8")
    with pytest.raises(BenchmarkImportError) as error:
        import_files([path])
    assert error.value.problems == [
        f"{path}: no row has cla_group = 'CLA on 31 March' (for cla_three_plus_placements_pct); values seen: "
        "['CLA 2 years on 31 March', 'Children looked after continuously for at least 2.5 years on 31 March aged "
        "under 16 years', 'Looked after on 31 March']"]


def test_an_unknown_file_is_refused_with_its_name_and_nothing_is_read():
    with pytest.raises(BenchmarkImportError) as error:
        import_files([C1, POPULATION])
    assert len(error.value.problems) == 1
    assert error.value.problems[0].startswith(f"{POPULATION}: not a recognised DfE (EES) file")


def test_a_known_file_with_nothing_to_import_is_reported_not_refused():
    reading = read_file(B1_2025, load_sources())
    assert reading.layout == "cin_b1_counts_only" and reading.values == {}
    assert "counts only, no rate per 10,000" in reading.reason
    # the 2024 release of C1 (renamed columns since) is still recognised by its published header
    assert recognise(C1_2024_HEADER.split(","), load_sources()) == ["cin_c1_2024"]


def test_the_newest_release_wins_a_year_and_two_releases_of_the_same_year_that_disagree_stop(tmp_path):
    older = tmp_path / "c1_children_in_need_referrals_and_rereferrals_2013_to_2024.csv"
    lines = C1.read_text(encoding="utf-8").splitlines(keepends=True)
    older.write_text("".join([lines[0], *(line.replace(",416,18.6,", ",416,18.0,") for line in lines
                                          if line.startswith("2024,"))]), encoding="utf-8")
    assert import_files([older, C1]).series["rereferrals_within_12_months_pct"]["camden"].values[2024] == 18.6
    assert import_files([older]).series["rereferrals_within_12_months_pct"]["camden"].values[2024] == 18.0
    twin = _edited(tmp_path, C1, ",2241,416,18.6,", ",2241,416,18.0,")
    with pytest.raises(BenchmarkImportError, match="import one release at a time"):
        import_files([C1, twin])


def test_the_shipped_benchmarks_equal_the_published_rows_of_the_fixtures():
    """config/benchmarks.yml was filled from the same published files: importing them changes no value."""
    shipped = yaml.safe_load((settings.config_dir() / "benchmarks.yml").read_text(encoding="utf-8"))
    sources = load_sources()
    mapped = {s for layout in sources.layouts.values() for s in layout.series}
    assert mapped <= set(shipped["series"])
    _, changes = merge(shipped["series"], import_files(PUBLISHED, sources, known_series=set(shipped["series"])))
    assert [c.line() for c in changes if c.year is not None] == []
    assert len(sources.statistical_neighbours.local_authorities) == 10


def test_an_overview_tile_shows_the_latest_england_and_inner_london_values_with_their_year():
    from reporting.indicators.loader import library
    from reporting.indicators.overview import benchmarks

    marks = benchmarks(library().get("rereferrals_within_12_months_pct").spec, date(2026, 9, 30))
    assert [m["display"] for m in marks] == ["England 2024-25: 22.6%", "Inner London 2024-25: 19.1%"]


@pytest.fixture
def config_dir(tmp_path, monkeypatch) -> Path:
    """A copy of config/benchmarks.yml as it was before any import: the shipped header comment,
    every series with empty England / Inner London and no Camden or neighbours,
    except England's children-in-need rate, which keeps its 2020-2024 values (and a note)."""
    folder = tmp_path / "config"
    folder.mkdir()
    shipped = (settings.config_dir() / "benchmarks.yml").read_text(encoding="utf-8")
    head = shipped[:shipped.index("\nseries:\n") + 1]
    series = {}
    for name, entry in yaml.safe_load(shipped)["series"].items():
        series[name] = {"title": entry["title"], "unit": entry["unit"],
                        "england": {"source": "not retrieved", "values": {}},
                        "inner_london": {"source": "not retrieved", "values": {}}}
    series["cin_rate_per_10000"]["england"] = {"source": "DfE, Children in need (EES)", "note": "older releases",
                                               "values": {2020: 330.1, 2021: 329.6, 2022: 343.7, 2023: 339.1,
                                                          2024: 332.9}}
    (folder / "benchmarks.yml").write_text(head + yaml.safe_dump({"series": series}, sort_keys=False),
                                           encoding="utf-8")
    shutil.copy(settings.config_dir() / "benchmark_sources.yml", folder)
    monkeypatch.setenv("MI_CONFIG_DIR", str(folder))
    return folder


def test_cli_shows_the_changes_and_writes_nothing_without_write(config_dir):
    before = (config_dir / "benchmarks.yml").read_bytes()
    result = CliRunner().invoke(app, ["benchmarks", "import", str(C1), str(CSWW), str(B1_2025)])
    assert result.exit_code == 0, result.output
    assert "rereferrals_within_12_months_pct camden 2025: not published -> 18.3" in result.stdout
    assert "rereferrals_within_12_months_pct statistical_neighbours 2024: not published -> 17.7" in result.stdout
    assert "b1_children_in_need_2013_to_2025.csv: cin_b1_counts_only (to 2025) -> nothing imported" in result.stdout
    assert "social_workers_agency_pct statistical_neighbours 2025: not published for Westminster (" in result.stdout
    assert "Nothing written" in result.stdout
    assert (config_dir / "benchmarks.yml").read_bytes() == before


def test_cli_write_round_trip_keeps_the_header_comment(config_dir):
    path = config_dir / "benchmarks.yml"
    original = path.read_text(encoding="utf-8")
    head = original[:original.index("\nseries:\n") + 1]
    assert head.startswith("# Benchmarks for the indicator library")
    result = CliRunner().invoke(app, ["benchmarks", "import", *map(str, PUBLISHED), "--write"])
    assert result.exit_code == 0, result.output
    assert "Changed in" in result.stdout
    written = path.read_text(encoding="utf-8")
    assert written.startswith(head)  # the header comment byte for byte
    assert "&id" not in written and "*id" not in written  # every source written out, no YAML aliases
    marks = Benchmarks.model_validate(yaml.safe_load(written))
    icpc = marks.series["icpc_within_15wd_pct"]
    assert (icpc.england.values, icpc.inner_london.values, icpc.camden.values, icpc.statistical_neighbours.values) == (
        {2024: 79.7, 2025: 81.4}, {2024: 71.4, 2025: 78.1}, {2025: 83.0}, {2025: 75.5})
    assert "computed from published counts" in icpc.camden.note and C4.name in icpc.camden.source
    assert marks.series["social_workers_agency_pct"].statistical_neighbours.values == {}  # 'x': not published
    assert marks.series["cla_three_plus_placements_pct"].camden.values == {2025: 10}
    assert marks.series["assessments_within_45wd_pct"].camden.source == "not published"  # no file: the default
    cin = marks.series["cin_rate_per_10000"].england
    assert cin.values == {2020: 330.1, 2021: 329.6, 2022: 343.7, 2023: 339.1, 2024: 332.9}
    assert cin.source.endswith("; kept from before (2020, 2021, 2022, 2023): DfE, Children in need (EES)")
    assert cin.note.endswith("the newest release read wins; kept from before (2020, 2021, 2022, 2023): older releases")
    again = CliRunner().invoke(app, ["benchmarks", "import", *map(str, PUBLISHED), "--write", "--json"])
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["changes"] == [] and report["texts_updated"] == 0 and report["written"] is False
    assert {"series": "average_caseload", "comparator": SN, "year": 2025, "reason": "not published for Westminster "
            "(caseload_fte 'x'), Kensington and Chelsea (caseload_fte 'x')"} in report["not_published"]
    assert path.read_text(encoding="utf-8") == written


def test_cli_refuses_an_unknown_file_and_writes_nothing(config_dir):
    before = (config_dir / "benchmarks.yml").read_bytes()
    result = CliRunner().invoke(app, ["benchmarks", "import", str(C1), str(POPULATION), "--write"])
    assert result.exit_code == 1
    assert f"{POPULATION}: not a recognised DfE (EES) file" in result.stderr
    assert "nothing imported, nothing written" in result.stderr
    assert (config_dir / "benchmarks.yml").read_bytes() == before
