"""a setting trained once on a server is replayed for the next viewer: the same numbers, shown
through its steps as if live, from a store every kernel shares (issue 14, a class at once)."""

import io
import json
import zipfile
from dataclasses import replace

import numpy as np
import torch

import skipviz as sv
from skipviz.app import App
from skipviz.app.cache import Snapshot
from skipviz.app.export import run_archive
from skipviz.app.settings import Settings
from skipviz.app.store import ResultStore, store_key

SMALL = Settings(depth=7, width=8, steps=30, seed=2)


def arrays(snap: Snapshot) -> dict:
    out = {"losses": snap.losses, "grad_norms": snap.grad_norms, "boundary": snap.boundary,
           "boundary_steps": np.array(snap.boundary_steps), **{
               f"grid{i}": g for i, g in enumerate(snap.grids)}}
    out.update({f"w/{k}": v for k, v in (snap.weights or {}).items()})
    return out


def assert_same_run(a: Snapshot, b: Snapshot):
    assert (a.alpha, a.steps, a.diverged, a.diverged_at) == (b.alpha, b.steps, b.diverged,
                                                             b.diverged_at)
    assert a.accuracy == b.accuracy
    A, B = arrays(a), arrays(b)
    assert A.keys() == B.keys()
    for key in A:
        assert np.array_equal(A[key], B[key]), key


def test_a_replay_equals_a_fresh_run(tmp_path):
    store = ResultStore(tmp_path)
    first = App(SMALL, store=store)
    try:
        fresh = first.wait(120)
        assert fresh is not None and not first.runner.last.replayed
    finally:
        first.close()
    # the next viewer: another app (another kernel's), same store, nothing in memory
    second = App(SMALL, store=ResultStore(tmp_path))
    frames = []
    publish = second.runner.publish
    second.runner.publish = lambda p: (frames.append(p), publish(p))
    try:
        second.runner.want(None)  # drop the run the constructor asked for, then ask again
        second.runner.wait(5)
        second.runner.cache.clear()
        second._request(SMALL)
        replayed = second.wait(120)
        last = second.runner.last
        assert last.replayed and not last.cached
        assert "replayed" in second.status.value
        for a, b in zip(fresh, replayed, strict=True):
            assert_same_run(a, b)
        # and a retrain from scratch (a plain compare) gives the same numbers once more
        X, y = sv.make_dataset("spirals", n=400, seed=SMALL.seed)
        again = sv.compare(X, y, skips=SMALL.alphas, **SMALL.train_options())
        for r, s in zip(again, replayed, strict=True):
            assert np.array_equal(np.asarray(r.losses), s.losses)
            assert np.array_equal(np.asarray(r.grad_norms, np.float32), s.grad_norms)
            for k, v in r.net.state_dict().items():
                assert np.array_equal(v.numpy(), s.weights[k]), k
        # shown through its steps: frames of growing length, before the finished one
        steps = [max(s.steps_run for s in p.snaps) for p in frames
                 if p.settings == SMALL and p.replayed]
        assert len(steps) >= 3 and steps == sorted(steps) and steps[-1] == SMALL.steps
        assert steps[0] < SMALL.steps // 2
        # the figures got the whole history: every step of both loss curves
        assert second.figures.loss.sent == [SMALL.steps, SMALL.steps]
    finally:
        second.close()


def test_the_store_key_names_setting_and_versions(tmp_path):
    a, b = SMALL.run_key(0.0), SMALL.run_key(1.0)
    assert store_key(a) != store_key(b)
    assert store_key(a) == store_key(tuple(a))
    assert store_key(a) != store_key(replace(SMALL, optimizer="sgd").run_key(0.0))
    assert store_key(a) != store_key(replace(SMALL, norm="layer").run_key(0.0))


def test_a_damaged_store_file_is_a_miss_not_an_error(tmp_path):
    store = ResultStore(tmp_path)
    key = SMALL.run_key(0.0)
    store.path(key).write_bytes(b"not a zip at all")
    assert store.get(key) is None
    assert not store.path(key).exists()  # and it is gone
    app = App(SMALL, store=store)
    try:
        assert app.wait(120) is not None and app.status_state == "done"
        assert store.get(key) is not None  # trained, then stored
    finally:
        app.close()


def test_the_store_stays_under_its_size(tmp_path):
    store = ResultStore(tmp_path, max_bytes=20_000)
    snap = Snapshot(alpha=0.0, losses=np.zeros(1000), grad_norms=np.zeros((1000, 2), np.float32),
                    steps=1000, finished=True)
    for seed in range(6):
        store.put(replace(SMALL, seed=seed).run_key(0.0), snap)
    total = sum(p.stat().st_size for p in tmp_path.glob("*.npz"))
    assert 0 < total <= 20_000
    assert store.get(replace(SMALL, seed=5).run_key(0.0)) is not None  # the newest stays


def test_the_download_holds_the_setting_and_both_nets(tmp_path):
    app = App(SMALL, store=ResultStore(tmp_path))
    try:
        snaps = app.wait(120)
        app._on_save_run()
        assert "skipviz-setting.zip" in app.download.value and "base64," in app.download.value
        with zipfile.ZipFile(io.BytesIO(run_archive(SMALL, snaps))) as z:
            meta = json.loads(z.read("settings.json"))
            assert meta["settings"]["depth"] == SMALL.depth and meta["query"].startswith("?")
            assert sorted(z.namelist()) == ["plain.pt", "residual.pt", "settings.json"]
            for name, alpha in (("plain", 0.0), ("residual", 1.0)):
                state = torch.load(io.BytesIO(z.read(f"{name}.pt")))
                net = sv.make_mlp(SMALL.depth, SMALL.width, alpha)
                net.load_state_dict(state)  # a net the learner can load and use
                X, y = sv.make_dataset("spirals", n=400, seed=SMALL.seed)
                acc = float((net(X).argmax(1) == y).float().mean())
                snap = next(s for s in snaps if s.alpha == alpha)
                assert acc == snap.accuracy
    finally:
        app.close()
