"""the crowd benchmark's learner without a browser (support/page_learner.py) does what a page
does: it must reach the dashboard's trained default over the v1 kernel socket, as a page does,
and fail in words when the server does not answer as a page needs."""

import json
import time

from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1
from support.page_learner import PageLearner, static_paths, v1_message, v1_messages
from support.serve_kit import POOL_FILLED, SkipvizServer
from support.waiting import settles

PAGE = "voila/render/dashboard.ipynb"


def test_static_paths_keeps_the_servers_static_files_once_each():
    base = "http://127.0.0.1:1/"
    urls = [base + "voila/render/dashboard.ipynb", base + "voila/static/voila.js",
            base + "voila/labextensions/bqplot/static/remoteEntry.js",
            base + "voila/static/voila.js", base + "api/kernels/abc",
            "http://elsewhere.example/voila/static/x.js",
            base + "voila/templates/lab/static/font.woff2"]
    assert static_paths(urls, base) == ["voila/static/voila.js",
                                        "voila/labextensions/bqplot/static/remoteEntry.js",
                                        "voila/templates/lab/static/font.woff2"]


def test_v1_message_reads_what_jupyter_server_writes():
    msg = {"header": {"msg_type": "comm_msg"}, "parent_header": {}, "metadata": {},
           "content": {"data": {"method": "update"}}}
    frame = serialize_msg_to_ws_v1(msg, "iopub", pack=lambda d: json.dumps(d).encode())
    assert v1_message(frame) == {"header": msg["header"], "content": msg["content"]}


def test_a_learner_without_a_browser_reaches_the_trained_default_and_says_why_not(tmp_path,
                                                                                  monkeypatch):
    monkeypatch.setenv("SKIPVIZ_STORE", str(tmp_path / "store"))
    with SkipvizServer(extra=["--pool=2"]) as server:  # one pre-heated kernel per learner
        assert server.wait_for_log(POOL_FILLED, timeout=300), server.output()
        # the pool's kernels train the default first (an empty store): once they rest, the
        # learner meets a finished run, and the status sent after its "shown" is an answer
        assert settles(lambda: len(server.kernels()) >= 2 and all(
            k.cpu_percent(interval=0.5) < 3 for k in server.kernels()), timeout=240)
        learner = PageLearner(server.url, PAGE, ["voila/static/voila.js"], timeout_s=240)
        learner.start()
        learner.join(260)
        try:
            assert learner.error is None, learner.error
            assert learner.seconds is not None and learner.seconds > 0
            print(f"a learner without a browser saw the default trained after "
                  f"{learner.seconds:.1f} s")
            # its status view said "shown", as a page's does: the kernel answers by sending
            # the status again (App._on_shown), which nothing else would do after done
            resent = next((m for m in v1_messages(learner.ws, time.monotonic() + 30)
                           if m["header"]["msg_type"] == "comm_msg"
                           and m["content"].get("comm_id") == learner.status_id
                           and m["content"]["data"].get("method") == "update"), None)
            assert resent is not None, "the kernel did not answer the status view's 'shown'"
            assert "sv-done" in resent["content"]["data"]["state"]["_dom_classes"]
        finally:
            learner.close()
        # a static file the server does not have: the learner stops and says so
        missing = PageLearner(server.url, PAGE, ["voila/static/no-such-file.js"], timeout_s=240)
        missing.start()
        missing.join(260)
        assert missing.seconds is None, "a learner whose static file failed reported done"
        assert "HTTPError" in (missing.error or "") and "no-such-file.js" in missing.error, \
            missing.error
