"""links and settings that once broke the page (issue 14 D3, D7) and the newer query keys."""

import pytest

from skipviz.app.dashboard import _loss_text
from skipviz.app.reading import _fmt
from skipviz.app.settings import (
    STARTER,
    WORK_BUDGET,
    Settings,
    drawn_points,
    encode_points,
    fit_budget,
    parse_query,
    points_problem,
    to_query,
)


@pytest.mark.parametrize("query", [
    "depth=4&lr=0.01" + "0" * 100 + "x",
    "depth=4&init_scale=1" + "%20" * 100 + "x",
    "depth=4&lr=" + "9" * 5000,
    "depth=4&seed=" + "1" * 101,
])
def test_a_long_value_is_refused_whole_and_the_rest_applies(query):
    # d3: float() ran on the whole text after only its first 100 characters were checked
    settings, notes = parse_query(query)
    assert settings.depth == 4
    assert settings.lr == Settings().lr and settings.init_scale == Settings().init_scale
    assert settings.seed == Settings().seed
    assert len(notes) == 1 and "at most 100 characters" in notes[0], notes
    assert len(notes[0]) < 120  # a short note, not the pasted text


def test_a_value_of_exactly_the_limit_is_still_read():
    text = "0.01" + " " * 96
    settings, notes = parse_query("lr=" + text)
    assert settings.lr == 0.01 and notes == []


def test_optimizer_norm_and_branch_are_query_keys():
    s, notes = parse_query("optimizer=sgd&norm=layer&branch=rezero")
    assert notes == [] and (s.optimizer, s.norm, s.branch) == ("sgd", "layer", "rezero")
    assert parse_query(to_query(s)) == (s, [])
    assert s.train_options()["optimizer"] == "sgd"
    _, notes = parse_query("optimizer=lbfgs&norm=group")
    assert len(notes) == 2 and "optimizer" in notes[0] and "norm" in notes[1]
    # the run key tells them apart: no cache or store mixes an sgd run with an adam one
    assert s.run_key(0.0) != Settings().run_key(0.0)


def test_work_is_bounded_and_said():
    # d7: depth 200, width 128, 2000 steps held a core for ~17 minutes
    heavy = Settings(depth=200, width=128, steps=2000)
    assert heavy.cost > 30 * WORK_BUDGET
    fitted, note = fit_budget(heavy)
    assert fitted.cost <= WORK_BUDGET and fitted.steps % 10 == 0 and fitted.steps >= 10
    assert (fitted.depth, fitted.width) == (heavy.depth, heavy.width)
    assert f"to {fitted.steps}" in note and "at most" in note
    # the next ten steps would be over it: the cut is as small as it can be
    assert fitted.with_(steps=fitted.steps + 10).cost > WORK_BUDGET
    assert fit_budget(Settings()) == (Settings(), None)


def test_a_negative_zero_loss_reads_0():
    # d7: "loss -0" on ?depth=12&skip=0&activation=relu&width=64&dataset=moons&steps=300...
    assert _loss_text(-0.0) == "0" and _fmt(-0.0) == "0"
    assert _loss_text(-1e-9) == "-1e-09"  # a real negative number keeps its sign


def test_drawn_points_round_trip_and_stay_in_the_link():
    s = Settings(dataset="drawn", points=STARTER)
    X, y = drawn_points(s.points)
    assert X.shape == (6, 2) and sorted(y.tolist()) == [0, 0, 0, 1, 1, 1]
    assert encode_points(X.numpy(), y.numpy()) == STARTER  # grid points come back exactly
    assert parse_query(to_query(s)) == (s, [])
    assert points_problem(s) is None
    assert points_problem(s.with_(points=STARTER.split(".")[0] + ".")) is not None
    _, notes = parse_query("dataset=drawn&points=!!")
    assert notes and "points" in notes[0]
    with pytest.raises(ValueError, match="at most 120 points"):
        Settings(dataset="drawn", points="AA" * 121)


def test_on_binder_the_share_link_launches_the_same_commit_at_this_setting(monkeypatch):
    from urllib.parse import parse_qs, urlsplit

    from skipviz.app import App
    from skipviz.app.settings import binder_link

    assert binder_link("depth=7", env={}) is None  # off binder: the relative ?query is enough
    env = {"BINDER_LAUNCH_HOST": "https://mybinder.org/",
           "BINDER_PERSISTENT_REQUEST": "v2/gh/skipviz/skipviz/0123abc"}
    url = binder_link("depth=7&skip=0", env=env)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https", "mybinder.org", "/v2/gh/skipviz/skipviz/0123abc")
    # the urlpath, decoded once as binder does, is the dashboard with the whole query
    assert parse_qs(parts.query)["urlpath"] == [
        "voila/render/notebooks/dashboard.ipynb?depth=7&skip=0"]
    monkeypatch.setenv("BINDER_LAUNCH_HOST", env["BINDER_LAUNCH_HOST"])
    monkeypatch.setenv("BINDER_PERSISTENT_REQUEST", env["BINDER_PERSISTENT_REQUEST"])
    app = App.from_query("depth=7&skip=0")
    try:
        assert "href='https://mybinder.org/v2/gh/skipviz/skipviz/0123abc?urlpath=" in app.link.value
    finally:
        app.close()
