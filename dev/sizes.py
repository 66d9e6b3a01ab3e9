#!/usr/bin/env python3
"""Measure the addon against the size bar of issue #11.

Usage: python3 dev/sizes.py [--all | --quiet] [paths...]
(default: everest_serial_gen; ``make lint`` runs it with --quiet)

The bar: no model file over 300 lines, no method over 60 lines except for
SQL text. A method's length is ``end_lineno - lineno + 1`` (decorators not
counted); the lines of its SQL text (a string passed to ``SQL(...)`` or one
that starts with SELECT, UPDATE, INSERT, DELETE or WITH) are subtracted.
Prints every Python file with its line count, then each method over the bar
(with --all, every method); exits 1 when a file under models/ or a method is
over. --quiet prints only what is over. Standard library only.
"""

import ast
import re
import sys
from pathlib import Path

FILE_BAR = 300
METHOD_BAR = 60
SQL_START = re.compile(r"\s*(SELECT|UPDATE|INSERT|DELETE|WITH)\b")


def sql_lines(function):
    """The line numbers of ``function`` that hold SQL text."""
    strings = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SQL":
            strings.update(
                arg
                for arg in node.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            )
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_START.match(node.value)
        ):
            strings.add(node)
    return {
        line
        for string in strings
        for line in range(string.lineno, string.end_lineno + 1)
    }


def methods(tree):
    """(qualified name, lines, lines without SQL text) of each function."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                length = child.end_lineno - child.lineno + 1
                found.append(
                    (f"{prefix}{child.name}", length, length - len(sql_lines(child)))
                )
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return found


def main(argv):
    show_all, quiet = "--all" in argv, "--quiet" in argv
    roots = [Path(arg) for arg in argv if not arg.startswith("--")] or [
        Path("everest_serial_gen")
    ]
    files = sorted(
        path
        for root in roots
        for path in ([root] if root.is_file() else root.rglob("*.py"))
    )
    over = []
    say = (lambda *_args: None) if quiet else print
    say(f"{'lines':>5}  file (* = model file over {FILE_BAR})")
    for path in files:
        text = path.read_text()
        count = len(text.splitlines())
        model_over = "models" in path.parts and count > FILE_BAR
        say(f"{count:>5}{'*' if model_over else ' '} {path}")
        if model_over:
            over.append(f"file {path}: {count} lines")
        for name, length, net in methods(ast.parse(text, str(path))):
            if net > METHOD_BAR:
                over.append(f"method {path}:{name}: {net} lines ({length} with SQL)")
            elif show_all:
                say(f"         {name}: {net} ({length} with SQL)")
    if quiet and not over:
        return 0
    print(f"\nOver the bar ({FILE_BAR} lines a model file, {METHOD_BAR} a method):")
    print("\n".join(f"  {line}" for line in over) or "  nothing")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
