"""docs/architecture.md stays true: its module list matches the tree, and its dependency rule
holds for every import.

The first fails when a module is added (or moved) without its line in the list; the second when
a module imports across the rule (``domain`` importing ``store``, ``store`` importing ``web`` ...).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "otj_desktop"
DOC = Path(__file__).parent.parent / "docs" / "architecture.md"

# What each layer may import of ours (besides itself), as the document says.
ALLOWED = {
    "domain": set(),
    "standards": set(),
    "store": {"domain", "standards", "version"},
    "web": {"store", "domain", "standards", "version", "instance", "browser_open"},
}


def layer_of(module: str) -> str:
    """``otj_desktop.store.db`` -> ``store``; ``otj_desktop.__version__`` -> ``version``; a
    module at the top (``otj_desktop.instance``) -> its name."""
    name = module.split(".")[1]
    return "version" if name == "__version__" else name


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "otj_desktop":
                found |= {f"otj_desktop.{a.name}" for a in node.names}
            elif node.module.startswith("otj_desktop."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("otj_desktop.")}
    return found


def test_every_layer_imports_only_what_the_dependency_rule_allows():
    crossing = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for module in imports_of(path):
                target = layer_of(module)
                if target != layer and target not in allowed:
                    crossing.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert crossing == []


def documented_modules() -> dict[str, set[str]]:
    """The ``name.py`` files the module list (the first code block) names, by folder."""
    block = DOC.read_text(encoding="utf-8").split("```", 2)[1]
    listed: dict[str, set[str]] = {"": set()}
    folder = ""
    for line in block.splitlines():
        heading = re.match(r"^  (\w+)/", line)
        if heading:
            folder = heading.group(1)
            listed.setdefault(folder, set())
        listed[folder] |= set(re.findall(r"[\w]+\.py\b", line))
    return listed


def test_the_module_list_names_every_module_where_it_lives():
    listed = documented_modules()
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if path.name == "__init__.py" and relative.parent != Path("web"):
            continue  # a package marker; web/__init__.py holds create_app and is listed
        folder = relative.parts[0] if len(relative.parts) > 1 else ""
        if path.name not in listed.get(folder, set()):
            missing.append(str(relative))
    assert missing == [], "add these to the list in docs/architecture.md"


def test_the_module_list_names_no_module_that_is_gone():
    gone = [
        f"{folder}/{name}" if folder else name
        for folder, names in documented_modules().items()
        for name in names
        if not (PACKAGE / folder / name).exists()
    ]
    assert gone == []
