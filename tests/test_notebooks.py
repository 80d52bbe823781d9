"""Every chapter executed by nbclient in a real kernel (the book build executes them the same way)."""

from __future__ import annotations

from pathlib import Path

import pytest
from myst_nb.core.read import read_myst_markdown_notebook
from nbclient import NotebookClient

from quizlib.course import toc_documents

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_executes_without_error(path):
    nb = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), path=str(path))  # the book's own reader
    assert nb.metadata["kernelspec"]["name"] == "python3"
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o["output_type"] == "error" or o.get("name") == "stderr"]
    assert not errors, errors
    for cell in nb.cells:
        if cell.cell_type == "code" and "quizlib.show(" in cell.source:
            bundles = [o["data"] for o in cell.outputs if o["output_type"] in ("display_data", "execute_result")]
            assert bundles, f"{path.name}: the quiz cell shows nothing"
            assert "application/vnd.jupyter.widget-view+json" in bundles[0]
            assert 'class="quizlib"' in bundles[0]["text/html"]


def test_every_chapter_is_in_the_table_of_contents():
    assert set(toc_documents(ROOT)) == {f"chapters/{p.stem}" for p in CHAPTERS}
