"""Cross-app dependency inventory for reviews: `python -m devtools.deps_report [ROOT]`.

Walks the product code with `ast` (migrations and tests excluded) and lists every edge from
one app to another: module-level imports, imports inside functions or classes, imports under
`TYPE_CHECKING`, `importlib.import_module`/`find_spec`/`__import__` lookups by string, and
string constants that name another app (`include("x.urls")`, `"app.Model"`, settings paths,
Celery task names). Each edge is classified against the layers of README "Layers". The import
contract (`.importlinter`, `lint-imports`) enforces the imports; this report also shows what it
cannot see (string references and dynamic lookups).
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from pathlib import Path

APPS = [
    "platform_core",
    "health",
    "videoconf",
    "tenants",
    "offices",
    "scheduling",
    "billing",
]
# Rank = height in the layering; an edge a -> b is allowed when b ranks lower than a. billing
# and scheduling share the top rank: independent of each other.
RANK = {
    "health": 0,
    "platform_core": 1,
    "videoconf": 2,
    "tenants": 3,
    "offices": 4,
    "scheduling": 5,
    "billing": 5,
}
# The composition root may name every app (settings, URL routing, WSGI/ASGI, the Celery app).
ROOT_MODULES = {
    "platform_core.settings",
    "platform_core.urls_public",
    "platform_core.urls_tenant",
    "platform_core.celery",
    "platform_core.wsgi",
    "platform_core.asgi",
    "platform_core.launcher",
}


def app_of(module: str) -> str | None:
    head = module.split(".")[0]
    return head if head in APPS else None


def classify(source_module: str, src: str, dst: str) -> str:
    if source_module in ROOT_MODULES:
        return "root"
    if RANK[dst] < RANK[src]:
        return "allowed"
    return "SIBLING" if RANK[dst] == RANK[src] else "BACKWARDS"


class Visitor(ast.NodeVisitor):
    def __init__(self, modname: str, path: Path) -> None:
        self.modname, self.path = modname, path
        self.scope: list[str] = []
        self.type_checking = 0
        self.edges: list[tuple[str, int, str, str, str]] = []
        self._skip: set[int] = set()

    def _where(self) -> str:
        return ".".join(self.scope) or "<module>"

    def _kind(self) -> str:
        if self.type_checking:
            return "type-checking import"
        return "function import" if self.scope else "import"

    def visit_FunctionDef(self, node: ast.AST) -> None:
        self.scope.append(node.name)  # type: ignore[attr-defined]
        self.generic_visit(node)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            self.type_checking += 1
            for child in node.body:
                self.visit(child)
            self.type_checking -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.edges.append((self._kind(), node.lineno, self._where(), alias.name, ""))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.modname.split(".")
            keep = len(base) - node.level + (1 if self.path.name == "__init__.py" else 0)
            module = ".".join(base[:keep] + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        names = ",".join(alias.name for alias in node.names)
        self.edges.append((self._kind(), node.lineno, self._where(), module, names))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0] if node.args else None
        if (
            name in ("import_module", "find_spec", "__import__")
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
        ):
            self.edges.append(("importlib lookup", node.lineno, self._where(), first.value, name))
            self._skip.add(id(first))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if id(node) in self._skip:
            return
        value = node.value
        if (
            isinstance(value, str)
            and len(value) < 120
            and re.fullmatch(r"([a-z_]+)(\.[A-Za-z_]\w*)+", value)
        ):
            target = app_of(value)
            if target and target != app_of(self.modname):
                self.edges.append(("string ref", node.lineno, self._where(), value, ""))


def modules(root: Path):
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] not in APPS or "migrations" in rel.parts:
            continue
        module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        yield module, path, rel


def main(root: Path) -> int:
    rows = []
    function_imports: Counter[str] = Counter()
    for module, path, rel in modules(root):
        visitor = Visitor(module, path)
        visitor.visit(ast.parse(path.read_text(), str(path)))
        for kind, line, where, target, names in visitor.edges:
            if kind == "function import":
                function_imports["all"] += 1
                if app_of(target):
                    function_imports["of the project"] += 1
            src, dst = app_of(module), app_of(target)
            if src and dst and dst != src:
                if kind == "function import":
                    function_imports["of another app"] += 1
                verdict = classify(module, src, dst)
                rows.append((src, dst, str(rel), line, where, kind, target, names, verdict))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    current = None
    for src, dst, rel, line, where, kind, target, names, verdict in rows:
        if (src, dst) != current:
            current = (src, dst)
            print(f"\n## {src} -> {dst}")
        shown = f":{names}" if names and kind != "importlib lookup" else ""
        print(f"  [{verdict:9}] {rel}:{line} in {where} ({kind}) {target}{shown}")
    print("\n## summary")
    for (src, dst, verdict), count in sorted(Counter((r[0], r[1], r[8]) for r in rows).items()):
        print(f"  {src:14} -> {dst:14} {verdict:10} {count}")
    print("\n## by kind")
    for (kind, verdict), count in sorted(Counter((r[5], r[8]) for r in rows).items()):
        print(f"  {kind:22} {verdict:10} {count}")
    print("\n## imports inside functions or classes:", dict(function_imports))
    return 1 if any(r[8] in ("BACKWARDS", "SIBLING") and r[5] != "string ref" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
