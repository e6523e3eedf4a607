"""The layers stay apart: the core is a Qt-free library, and widgets never reach the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package -> module prefixes it must never import (type-checking imports included)
FORBIDDEN = {
    "tracker": ("PySide6", "ui", "pyqtgraph"),
    "ui": ("sqlalchemy", "tracker.db", "alembic"),
}


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every module a file imports, absolute names, with line numbers (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module:
                found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}" if module else alias.name) for alias in node.names]
    return found


def violations(package: str, root: Path = ROOT) -> list[str]:
    banned = FORBIDDEN[package]
    out = []
    for path in sorted((root / package).rglob("*.py")):
        for line, module in imported_modules(path, root):
            if any(module == b or module.startswith(b + ".") for b in banned):
                out.append(f"{path.relative_to(root)}:{line} imports {module}")
    return sorted(set(out))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_downwards(package):
    assert violations(package) == []


def test_the_check_catches_a_forbidden_import(tmp_path):
    """The check itself works: a ui module importing the database layer is reported."""
    fake_root = tmp_path
    (fake_root / "ui").mkdir()
    (fake_root / "ui" / "bad.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from tracker.db.engine import Database\n"
        "from sqlalchemy import select\n")
    (fake_root / "tracker").mkdir()
    (fake_root / "tracker" / "bad.py").write_text("from .. import ui\nimport PySide6.QtCore\n")
    assert violations("ui", fake_root) == ["ui/bad.py:3 imports tracker.db.engine",
                                "ui/bad.py:3 imports tracker.db.engine.Database",
                                "ui/bad.py:4 imports sqlalchemy", "ui/bad.py:4 imports sqlalchemy.select"]
    assert violations("tracker", fake_root) == ["tracker/bad.py:1 imports ui", "tracker/bad.py:2 imports PySide6.QtCore"]
