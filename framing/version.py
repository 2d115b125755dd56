"""The part of the classifier version that covers code: constants, regex tables, logic.

A label can change when a stop-word list, a cue regex, a paraphrase table or a
threshold constant changes, not only when fitted parameters do. So the version
hashes the syntax tree of every module that takes part in labelling, with
docstrings removed (comments are not in the tree): editing a comment or a
docstring keeps the version, editing anything that runs changes it.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Modules that take part in labelling (not evaluation, calibration or loading of test sets).
LABELLING_MODULES = (
    "backends.py", "boilerplate.py", "contrast.py", "core.py", "embedding.py", "lexical.py",
    "lexicon.py", "patterns.py", "references.py", "relevance.py", "sentences.py", "stance.py", "supervised.py", "types.py",
)


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return tree


@lru_cache(maxsize=1)
def code_digest(directory: Path = HERE) -> str:
    h = hashlib.sha256()
    for name in LABELLING_MODULES:
        path = directory / name
        if path.is_file():
            tree = _strip_docstrings(ast.parse(path.read_text(encoding="utf-8")))
            h.update(name.encode() + b"\0" + ast.dump(tree, include_attributes=False).encode() + b"\0")
    return h.hexdigest()
