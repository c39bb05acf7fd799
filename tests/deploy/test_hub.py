"""a class on a real jupyterhub (deploy/hub/): three learners log in at once, each gets their
own server and kernel, and each reaches a trained default result on their own dashboard at
/user/NAME/voila/render/notebooks/dashboard.ipynb. configurable-http-proxy is installed from
npm into build/hub-proxy/ when missing (ci starts from a clean clone). times and memory are
saved for the readme (build/test-artifacts/hub.json), never asserted.
"""

import sys
import time
from pathlib import Path

import pytest
from support.app_checks import record
from support.browser_kit import browser  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "hub"))
from hubctl import Hub  # noqa: E402
from learners import arrive, problems, wait_done  # noqa: E402

LEARNERS = ("ada", "grace", "alan")


@pytest.mark.timeout(900)
def test_three_learners_reach_a_trained_dashboard_on_the_hub(browser, tmp_path):  # noqa: F811
    with Hub(tmp_path / "hub") as hub:
        start = time.monotonic()
        pages = {name: arrive(browser, hub.url, name) for name in LEARNERS}
        done = wait_done(pages, timeout_s=600)
        assert set(done) == set(LEARNERS), (
            {n: p.url for n, p in pages.items() if n not in done}, hub.output())
        all_done = time.monotonic() - start
        for name, page in pages.items():
            assert problems(page, name) == [], (name, page.errors)
        # the watchdog's kernel poll is answered, not refused (it got 403 without X-XSRFToken)
        end = time.monotonic() + 12
        while time.monotonic() < end and not all(p.kernel_polls for p in pages.values()):
            time.sleep(0.5)
        polls = {name: page.kernel_polls for name, page in pages.items()}
        assert all(polls.values()) and all(s == 200 for v in polls.values() for s in v), polls

        # each learner has a server of their own, in their own home, with their own kernel
        learners = hub.learners()
        assert set(learners) == set(LEARNERS)
        homes = {n: one.server.environ()["HOME"] for n, one in learners.items()}
        assert all(homes[n].endswith(f"/users/{n}") for n in LEARNERS), homes
        kernels = {k.pid for one in learners.values() for k in one.kernels}
        assert all(one.kernels for one in learners.values()) and len(kernels) >= len(LEARNERS)
        memory = hub.memory()
        for page in pages.values():
            page.context.close()
    record("hub", learners=len(LEARNERS), all_done_s=all_done,
           done_s=sorted(round(v, 1) for v in done.values()),
           kernel_mb=sorted(round(m) for one in memory["learners"].values()
                            for m in one["kernel_mb"]),
           server_mb=sorted(round(one["server_mb"]) for one in memory["learners"].values()),
           total_uss_mb=memory["total_uss_mb"])
    # the hub took its servers and kernels down with it
    assert not [p for p in hub._seen.values() if p.is_running() and p.status() != "zombie"]
