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
