"""The project's packages stay layered: data flows extractors -> framing ->
warehouse; alerts/ and reports/ read the warehouse; flows/ wire them; cli/ is on
top. No package imports one above it (nor a sibling on its own layer), and no
module import cycle exists anywhere in the project. Read from the source with
ast, so a lazy import inside a function counts too."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lower layers first; a package may import only packages on a strictly lower layer.
LAYERS = {
    "extractors": 0,
    "framing": 1,
    "warehouse": 2,
    "alerts": 3, "reports": 3, "demo": 3,
    "flows": 4,
    "cli": 5, "bench": 5,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Project modules `path` imports, relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)  # `from pkg import module`
    return {m for m in out if m.split(".")[0] in LAYERS}


def _runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:` (annotations only, never imported at run time)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", getattr(child.test, "attr", None)) == "TYPE_CHECKING":
                todo.extend(child.orelse)
                continue
            todo.append(child)


def graph() -> dict[str, set[str]]:
    files = [p for pkg in LAYERS for p in (ROOT / pkg).rglob("*.py") if ".venv" not in p.parts]
    modules = {module_name(p): p for p in files}
    return {name: {m for m in imports(p) if m in modules and m != name} for name, p in modules.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_no_package_imports_one_above_it():
    wrong = sorted(
        f"{src} imports {dst}"
        for src, targets in graph().items()
        for dst in targets
        if src.split(".")[0] != dst.split(".")[0] and LAYERS[dst.split(".")[0]] >= LAYERS[src.split(".")[0]]
    )
    assert not wrong, "layering broken:\n" + "\n".join(wrong)


def test_no_import_cycle_among_the_project_modules():
    found = cycles(graph())
    assert not found, f"import cycles: {found}"


def test_the_checks_see_a_cycle_and_an_upward_import():
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    src = ROOT / "alerts" / "settings.py"
    assert "flows.settings" not in imports(src)  # the alerts own their settings now
