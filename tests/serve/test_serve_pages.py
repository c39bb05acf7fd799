"""what `skipviz serve` offers and `skipviz lessons` copies: discovered, never hard-coded."""

import json
import re
import subprocess
import sys

import pytest
from support.serve_kit import ROOT

from skipviz.serve import cli
from skipviz.serve.landing import PLAIN, RESIDUAL, render_landing
from skipviz.serve.launcher import packaged_config_dir, packaged_notebooks
from skipviz.serve.pages import discover, is_lesson
from skipviz.serve.sources import teaches
from skipviz.viz import palette

NOTEBOOKS = ROOT / "notebooks"


def lesson_files():
    return sorted(p.name for p in NOTEBOOKS.glob("*.ipynb") if re.match(r"^\d\d_", p.name))


def test_every_numbered_notebook_is_a_page_after_the_dashboard():
    pages = discover(NOTEBOOKS)
    assert pages[0].name == "dashboard.ipynb" and not pages[0].is_lesson
    assert [p.name for p in pages[1:]] == lesson_files()
    assert [p.number for p in pages[1:]] == [int(n[:2]) for n in lesson_files()]
    for page in pages:
        assert page.title and page.summary, page
        assert not re.match(r"^\d", page.title), page.title  # the number shows on its own


def test_a_new_lesson_appears_with_the_title_and_line_its_author_gave(tmp_path):
    for name in ("dashboard.ipynb", "07_new_idea.ipynb", "notes.ipynb", "7_bad.ipynb"):
        (tmp_path / name).write_text((NOTEBOOKS / "01_residual_block.ipynb").read_text())
    nb = json.loads((tmp_path / "07_new_idea.ipynb").read_text())
    nb["metadata"]["skipviz"] = {"summary": "One new idea, in one line."}
    (tmp_path / "07_new_idea.ipynb").write_text(json.dumps(nb))
    pages = discover(tmp_path)
    assert [p.name for p in pages] == ["dashboard.ipynb", "07_new_idea.ipynb"]
    assert pages[1].summary == "One new idea, in one line."
    assert is_lesson("11_real_images.ipynb") and not is_lesson("dashboard.ipynb")
    with pytest.raises(ValueError, match="notebook folder"):
        discover(tmp_path / "missing")


def test_the_landing_page_links_every_page_and_escapes_what_it_shows():
    pages = discover(NOTEBOOKS)
    html = render_landing(pages)
    assert html.count('class="card"') == len(pages) and html.count("<svg") == len(pages)
    for page in pages:
        assert f'href="/voila/render/{page.name}"' in html
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    evil = [pages[1].__class__(name="01_x.ipynb", title="<script>x</script>", summary="a&b",
                               number=1)]
    html = render_landing(evil)
    assert "<script>x" not in html and "&lt;script&gt;" in html and "a&amp;b" in html


def test_the_landing_colours_are_the_palettes():
    assert (PLAIN, RESIDUAL) == (palette.PLAIN_COLOR, palette.RESIDUAL_COLOR)


def test_lesson_code_shows_but_setup_and_marked_cells_do_not():
    assert teaches({"source": "# print the blocks\nprint(inspect.getsource(sv.ResidualBlock))"})
    assert not teaches({"source": "# setup\n%matplotlib widget\nimport torch\n"
                                  "from skipviz.lessons.widgets import (guarded,\n note)\n"})
    assert not teaches({"source": "x = 1", "metadata": {"jupyter": {"source_hidden": True}}})
    assert not teaches({"source": "x = 1", "metadata": {"tags": ["remove-input"]}})


def test_the_package_data_links_point_at_the_one_source_of_truth():
    assert packaged_notebooks().resolve() == NOTEBOOKS.resolve()
    assert (packaged_config_dir() / "voila.json").resolve() == (ROOT / "voila.json").resolve()
    project = (ROOT / "pyproject.toml").read_text()
    assert '[project.scripts]\nskipviz = "skipviz.serve.cli:main"' in project
    assert '"skipviz.serve" = ["notebooks/*.ipynb", "voila.json"]' in project


def test_lessons_copies_every_notebook_and_keeps_existing_work(tmp_path, capsys):
    target = tmp_path / "mine"
    assert cli.main(["lessons", str(target)]) == 0
    assert sorted(p.name for p in target.iterdir()) == sorted(["dashboard.ipynb",
                                                               *lesson_files()])
    assert "jupyter lab" in capsys.readouterr().out
    (target / "01_residual_block.ipynb").write_text("my notes")
    assert cli.main(["lessons", str(target)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (target / "01_residual_block.ipynb").read_text() == "my notes"
    assert cli.main(["lessons", str(target), "--force"]) == 0
    assert json.loads((target / "01_residual_block.ipynb").read_text())["cells"]
    (tmp_path / "file").write_text("x")
    assert cli.main(["lessons", str(tmp_path / "file")]) == 2


def test_bad_serve_options_are_refused_with_their_name(capsys):
    assert cli.main(["serve", "--port=0"]) == 2
    assert "--port must be in 1..65535" in capsys.readouterr().err
    assert cli.main(["serve", "--pool=-1"]) == 2
    assert cli.main(["serve", "--refill-delay=-1"]) == 2
    assert "--refill-delay in 0..3600" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["serve", "--bogus"])


def test_python_dash_m_skipviz_is_the_same_command():
    out = subprocess.run([sys.executable, "-m", "skipviz", "--help"], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    assert "serve" in out and "lessons" in out
