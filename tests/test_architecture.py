"""The shape of the code: the import graph of `reporting/` has no cycles and no module reaches into
another's private names (the pipeline runs one way: definitions -> extract -> quality ->
summaries/disclosure -> render -> archive -> deliver), and every `mi` command explains itself.

Imports are read from the source with `ast`, those inside functions included: a cycle hidden in a
function-level import is still a cycle a newcomer trips over."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parents[1] / "reporting"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    return modules


def _imports(modules: dict[str, Path]) -> dict[str, set[tuple[str, str]]]:
    """module -> {(imported module, imported name or "")}, every import statement in the file."""
    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("reporting") and (target := resolve(alias.name)):
                        found[name].add((target, ""))
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("reporting"):
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    if submodule in modules:
                        found[name].add((submodule, ""))
                    elif target := resolve(node.module):
                        found[name].add((target, alias.name))
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_of_reporting_has_no_cycles():
    modules = _modules()
    graph = {name: {target for target, _ in imported if target != name}
             for name, imported in _imports(modules).items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_another_modules_private_name():
    modules = _modules()
    private = sorted(f"{name} imports {target}.{imported}"
                     for name, found in _imports(modules).items() for target, imported in found
                     if imported.startswith("_") and not imported.startswith("__") and target != name)
    assert private == []


def _commands(group, prefix: str = "mi") -> list[tuple[str, object]]:
    out = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):  # a group (typer's own click classes)
            out += _commands(command, f"{prefix} {name}")
        else:
            out.append((f"{prefix} {name}", command))
    return out


def test_every_mi_command_has_help_with_an_example():
    from reporting.cli.main import app

    commands = _commands(typer.main.get_command(app))
    assert len(commands) >= 19
    missing = [name for name, command in commands
               if not command.help or f"Example: {name}" not in " ".join(command.help.split())]
    assert missing == []


def test_every_error_the_pipeline_defines_derives_from_mierror():
    """A caller can tell a deliberate error (its message says what to fix) from a bug by one base."""
    import importlib
    import inspect

    from reporting.errors import MIError

    defined = []
    for name in sorted(_modules()):
        if name.endswith("__main__"):
            continue
        module = importlib.import_module(name)
        defined += [f"{name}.{cls.__name__}" for cls in vars(module).values()
                    if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == name
                    and not issubclass(cls, MIError)]
    assert defined == []


# Modules that touch the environment for something other than reading a setting: run_figures names
# the run's figure store to worker processes, batch hands the parent's MI_* settings to its workers,
# render.pdf sets WeasyPrint's SOURCE_DATE_EPOCH, orchestration.demo prepares Airflow's own.
NOT_SETTINGS = {"reporting.settings", "reporting.indicators.run_figures", "reporting.batch", "reporting.render.pdf",
                "reporting.orchestration.demo"}


def test_only_settings_reads_the_environment():
    """One settings object: no other module reads `os.environ` / `os.getenv` for a setting."""
    readers = []
    for name, path in sorted(_modules().items()):
        if name in NOT_SETTINGS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os" \
                    and node.attr in ("environ", "getenv"):
                readers.append(f"{name}:{node.lineno}")
    assert readers == [], f"read the setting through reporting.settings.current(): {readers}"


def test_the_drawn_stages_are_the_import_order():
    """Delivery sends what render made: it imports neither the render stage nor the renderers."""
    imports = {name: {target for target, _ in found} for name, found in _imports(_modules()).items()}
    deliver = imports["reporting.delivery.deliver"]
    assert not {"reporting.runner", "reporting.render", "reporting.disclosure", "reporting.publish"} & deliver, deliver
    assert "reporting.runner" not in imports["reporting.plan"]
