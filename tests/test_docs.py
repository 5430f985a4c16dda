"""Docs that must match the code."""

from reporting import settings
from reporting.catalogue_doc import catalogue_markdown
from reporting.definitions import Definition, load_catalogue


def test_report_catalogue_is_current():
    path = settings.REPO_ROOT / "docs" / "report-catalogue.md"
    assert path.read_text(encoding="utf-8") == catalogue_markdown(load_catalogue()), \
        "docs/report-catalogue.md is stale: run `mi reports catalogue`"


def test_every_definition_field_is_documented():
    guide = (settings.REPO_ROOT / "docs" / "adding-a-report.md").read_text(encoding="utf-8")
    missing = [name for name in Definition.model_fields if f"`{name}`" not in guide]
    assert not missing, f"docs/adding-a-report.md does not describe: {missing}"


def test_the_settings_table_in_the_deployment_guide_is_the_codes():
    guide = (settings.REPO_ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    table = guide.split("<!-- settings:start -->\n")[1].split("<!-- settings:end -->")[0]
    assert table == settings.reference_markdown(), "docs/deployment.md's settings table is stale: regenerate it " \
                                                   "from reporting.settings.reference_markdown()"


def test_the_column_section_of_the_schema_guide_is_the_schema():
    from reporting.casedb.schema_doc import DOC_END, DOC_START, schema_markdown

    guide = (settings.REPO_ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    section = guide.split(f"{DOC_START}\n")[1].split(DOC_END)[0]
    assert section == schema_markdown(), "docs/schema.md's table-and-column section is stale: run `mi db docs`"


# ---- the building blocks' list in docs/adding-a-report.md --------------------------------
def test_the_building_blocks_in_the_guide_are_the_blocks_comments():
    from reporting.blocks_doc import blocks_markdown, section_in

    guide = (settings.REPO_ROOT / "docs" / "adding-a-report.md").read_text(encoding="utf-8")
    assert section_in(guide) == blocks_markdown(), \
        "docs/adding-a-report.md's building blocks are stale: run `mi reports blocks --write`"


def test_every_building_block_has_a_comment_saying_what_it_returns():
    import re

    from reporting.blocks_doc import block_files

    files = block_files(settings.REPO_ROOT / "sql" / "_blocks")
    # Counted here on its own, so a macro the parser missed (an odd spacing, `{%- macro`) fails.
    macro = re.compile(r"\{%-?\s*macro\s+(\w+)")
    for file in files:
        written = macro.findall(file.path.read_text(encoding="utf-8"))
        assert [b.name for b in file.blocks] == written, f"{file.path.name}: macros the list misses"
    undocumented = [f"{f.path.name}: {b.name}" for f in files for b in f.blocks if not b.comment.strip()]
    assert undocumented == [], "write a {#- ... -#} comment just above each of these macros"
    assert sum(len(f.blocks) for f in files) >= 59
