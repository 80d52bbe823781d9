"""Every chapter executed by nbclient in a real kernel, once per run: the book build executes each chapter
(myst-nb runs nbclient) and keeps the executed notebooks beside the HTML, which these tests read."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from quizlib.course import toc_documents

pytestmark = pytest.mark.kernel
ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))


def executed(built_book: Path, path: Path) -> nbformat.NotebookNode:
    """The notebook the book build executed for chapter ``path`` (``_build/jupyter_execute`` beside the HTML)."""
    notebook = built_book.parent / "jupyter_execute" / "chapters" / f"{path.stem}.ipynb"
    assert notebook.is_file(), f"the book build did not execute {path.name}"
    return nbformat.read(notebook, as_version=4)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_executes_without_error(built_book, path):
    nb = executed(built_book, path)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "every code cell ran"
    outputs = [o for c in code for o in c.get("outputs", [])]
    errors = [o for o in outputs if o["output_type"] == "error" or o.get("name") == "stderr"]
    assert not errors, errors
    for cell in code:
        if "quizlib.show(" in cell.source:
            bundles = [o["data"] for o in cell.outputs if o["output_type"] in ("display_data", "execute_result")]
            assert bundles, f"{path.name}: the quiz cell shows nothing"
            assert "application/vnd.jupyter.widget-view+json" in bundles[0]
            assert 'class="quizlib"' in bundles[0]["text/html"]


def test_every_chapter_is_in_the_table_of_contents():
    assert set(toc_documents(ROOT)) == {f"chapters/{p.stem}" for p in CHAPTERS}
