"""The `mi` command line (`reporting.cli.main:app`): one module per command group.

`common` holds what every group shares (date options, the consoles, URL redaction); a group
module imports it and nothing from `main`, which only assembles the groups.
"""
