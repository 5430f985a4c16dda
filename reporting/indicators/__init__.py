"""The indicator library: definitions (`indicators/*.yml`), computation, history, overviews.

A figure has exactly one definition: every overview, tile and trend reads it from here.
Modules: `loader` (definitions and benchmarks), `compute` (one period), `history` (48 months),
`overview` (the template context). Nothing is imported here: report definitions validate their
`indicators:` against `loader` while the DAG files are parsed, which must stay light.
"""
