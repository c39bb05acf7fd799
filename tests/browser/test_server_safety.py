"""what the served pages show a viewer, and what they must not.

`make app` runs `skipviz serve`: one voila server (voila.json: localhost only, the dashboard's
sources stripped, no tracebacks, no files) for the landing page, the dashboard and each lesson
(a lesson shows its teaching code: skipviz/serve/sources.py). a viewer gets those pages and
nothing else: no notebook file, no file or kernel listing, no traceback, no lab or terminal,
no way to run code. issue 14's attacks on the same server: tests/serve/test_serve_attacks.py.
"""

import ast
import http.client
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil
import pytest
from support.browser_kit import (
    POOL_FILLED,
    TIMEOUT_MS,
    assert_clean,
    browser,  # noqa: F401 (a fixture)
    kernel_id,
    kernels,
    page,  # noqa: F401 (a fixture)
)
from support.serve_kit import SkipvizServer

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = "voila/render/dashboard.ipynb"
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def voila_server():
    # the server `make app` starts; `server.url + "?depth=3"` goes on to the dashboard
    with SkipvizServer() as server:
        assert server.wait_for_log(POOL_FILLED), server.output()
        yield server

# paths a viewer might try; none may answer with a source, a listing or a traceback
FORBIDDEN = [
    "tree", "tree/skipviz", "voila/tree", "voila/tree/", "voila/tree/skipviz",
    "api/contents", "api/contents/skipviz", "voila/api/contents", "voila/api/contents/skipviz",
    "files/pyproject.toml", "voila/files/", "voila/files/skipviz/app.py",
    "voila/files/pyproject.toml", "voila/files/notebooks/dashboard.ipynb",
    "voila/files/.git/config", "voila/files/voila.json", "voila/files/../pyproject.toml",
    "voila/files/%2e%2e/pyproject.toml", "static/../pyproject.toml",
    "voila/static/../../pyproject.toml", "voila/static/..%2f..%2fpyproject.toml",
    "voila/static/%2e%2e/%2e%2e/pyproject.toml", "voila/templates/../../pyproject.toml",
    "voila/templates/lab/static/../../../../../pyproject.toml",
    "voila/labextensions/../../pyproject.toml", "voila/api/themes/../../pyproject.toml",
    "..%2fpyproject.toml", "%2e%2e/%2e%2e/pyproject.toml",
    "notebooks/dashboard.ipynb", "notebooks/01_residual_block.ipynb", "skipviz/app.py",
    "voila/render/notebooks/dashboard.ipynb", "voila/render/notebooks/01_residual_block.ipynb",
    "api/kernels", "api/kernels/", "api/sessions", "api/kernelspecs", "api/terminals",
    "terminals/websocket/1", "api/nbconvert", "nbconvert/script/notebooks/dashboard.ipynb",
    "api/config/notebook", "api/spec.yaml", "api/status", "api/me",
    "lab", "lab/tree/skipviz/app.py", "edit/skipviz/app.py", "notebooks", "login", "logout",
    ".git/config",
    # with template overrides on, ?template=python started a kernel, failed to render and
    # left the request hanging (a kernel per request); voila.json now turns overrides off
    "?template=python", "?template=../../../../pyproject.toml&theme=../../x",
    # the folder `skipviz serve` renders from: only its listed pages, nothing around them
    "voila/render/", "voila/render/../pyproject.toml", "voila/render/%2e%2e/pyproject.toml",
    "voila/render/dashboard.ipynb/../../pyproject.toml", "voila/render/voila.json",
    "voila/render/.ipynb_checkpoints/dashboard-checkpoint.ipynb", "voila/render/x.ipynb",
    "voila/render/skipviz/serve/notebooks/dashboard.ipynb", "voila/files/dashboard.ipynb",
    "voila/api/contents/dashboard.ipynb", "voila/tree/notebooks",
]
# what would give a source, a listing, a traceback or a running kernel's list away
LEAKS = ["import torch", "from skipviz", "apply_query", "%matplotlib", "def __init__",
         "[build-system]", '"cells"', "Traceback", "File \"/", "site-packages", "/work/",
         str(ROOT), '"execution_state"', '"type": "directory"', "Index of", "skipviz-trainer",
         '"content":']


def get(server, path: str, method: str = "GET"):
    """one request exactly as written (no client-side '..' clean-up, no redirect following)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    conn.putrequest(method, "/" + path, skip_accept_encoding=True)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read().decode(errors="replace")
    conn.close()
    return response.status, response.getheader("Location"), body


def is_dashboard(body: str) -> bool:
    return "<title>skipviz dashboard</title>" in body


def release(server, body: str):
    """shut down the kernel a rendered dashboard started (no page will ever connect to it),
    as the page's own beacon does: _xsrf in a cookie and in the form, the same value."""
    kid = re.search(r'"kernelId": "([0-9a-f-]+)"', body).group(1)
    token = uuid.uuid4().hex
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("POST", f"/voila/api/shutdown/{kid}", body=f"_xsrf={token}",
                 headers={"Cookie": f"_xsrf={token}",
                          "Content-Type": "application/x-www-form-urlencoded"})
    assert conn.getresponse().status == 204
    conn.close()


def test_no_source_listing_or_traceback_is_served(voila_server):  # noqa: F811
    answers = {}
    for path in FORBIDDEN:
        status, location, body = get(voila_server, path)
        hops = 0
        while status in (301, 302, 303, 307, 308) and location and hops < 5:
            # voila on one notebook sends any other path to /voila/files/<path>: follow it
            status, location, body = get(voila_server, location.lstrip("/"))
            hops += 1
        answers[path] = status
        leaked = [s for s in LEAKS if s in body]
        assert not leaked, (path, status, leaked)
        # a path is refused (403/404/405), or it is the dashboard itself (sources stripped);
        # a template path with '..' makes voila's error page fail (500): still nothing shown
        assert status in (403, 404, 405, 500) or (status == 200 and is_dashboard(body)), \
            (path, status, body[:200])
        if status == 500:
            assert len(body) < 200, (path, body)
        if is_dashboard(body):
            release(voila_server, body)
    print("\nrefused paths:", json.dumps(answers))


def test_no_lesson_file_is_served_and_a_lesson_page_shows_code_but_no_traceback(
        voila_server):  # noqa: F811
    for name in LESSONS:
        for path in (f"notebooks/{name}", f"voila/render/notebooks/{name}",
                     f"voila/files/notebooks/{name}", f"voila/files/{name}", name):
            status, location, body = get(voila_server, path)
            if location:
                status, _, body = get(voila_server, location.lstrip("/"))
            assert status in (403, 404) and '"cells"' not in body, (path, status)
    # one lesson's page in full (every lesson opens in tests/serve/test_serve_wheel.py)
    status, _, body = get(voila_server, f"voila/render/{LESSONS[0]}")
    assert status == 200 and "jp-InputArea" in body  # its teaching code is shown
    assert "%matplotlib" not in body  # the setup cell is not
    for leak in ("Traceback", "File \"/", "site-packages", str(ROOT), '"cells"'):
        assert leak not in body, leak
    release(voila_server, body)


def test_the_landing_page_lists_every_page_and_costs_no_kernel(voila_server):  # noqa: F811
    before = len(kernels(voila_server))
    status, _, body = get(voila_server, "")
    assert status == 200 and "<script" not in body
    for name in ["dashboard.ipynb", *LESSONS]:
        assert f'href="/voila/render/{name}"' in body, name
    assert len(kernels(voila_server)) == before
    # the old address of the dashboard, with its settings, goes on to the dashboard
    status, location, _ = get(voila_server, "?depth=4&skip=0")
    assert status == 302 and location == f"/{DASHBOARD}?depth=4&skip=0"


def test_kernels_cannot_be_listed_or_driven_over_http(voila_server, page):  # noqa: F811
    page.goto(voila_server.url + "?depth=3&steps=10")
    page.wait_for_selector(".sv-status.sv-done", timeout=TIMEOUT_MS)
    status, _, body = get(voila_server, "api/kernels")
    assert status != 200 or is_dashboard(body)
    # a page may ask about its own kernel (the watchdog does), by its unguessable id only
    status, _, body = get(voila_server, f"api/kernels/{kernel_id(page)}")
    assert status == 200 and json.loads(body)["id"] == kernel_id(page)
    assert get(voila_server, f"api/kernels/{uuid.uuid4()}")[0] == 404
    # no restart, interrupt or start over http, and no shutdown without the page's cookie
    for path, method in ((f"api/kernels/{kernel_id(page)}/restart", "POST"),
                         (f"api/kernels/{kernel_id(page)}/interrupt", "POST"),
                         ("api/kernels", "POST"), (f"api/kernels/{kernel_id(page)}", "DELETE"),
                         (f"voila/api/shutdown/{kernel_id(page)}", "POST")):
        assert get(voila_server, path, method)[0] in (403, 404, 405), (method, path)
    assert page.locator(".sv-status.sv-done").count()


def test_a_viewer_cannot_run_code_through_the_page(voila_server, page):  # noqa: F811
    marker = Path(tempfile.gettempdir()) / f"skipviz-pwned-{uuid.uuid4().hex}"
    page.goto(voila_server.url + "?depth=3&steps=10", timeout=TIMEOUT_MS)
    page.wait_for_selector(".sv-status.sv-done", timeout=TIMEOUT_MS)
    # the page's own kernel connection, as a viewer's devtools would use it
    answer = page.evaluate(
        """async (code) => {
             const k = window.jupyterapp.widgetManager.kernel;
             const asks = [k.requestExecute({code: code}).done,
                           k.requestInspect({code: 'App', cursor_pos: 3, detail_level: 1}),
                           k.requestComplete({code: 'import o', cursor_pos: 8})];
             const late = new Promise((ok) => setTimeout(() => ok('no answer'), 4000));
             const got = await Promise.all(asks.map((a) => Promise.race(
                 [a.then((m) => 'answered ' + JSON.stringify(m.content).slice(0, 80)), late])));
             return got; }""",
        f"open({str(marker)!r}, 'w').write('x')")
    time.sleep(1)
    assert answer == ["no answer"] * 3, answer
    assert not marker.exists()
    assert_clean(page)


def test_the_page_holds_no_code_and_escapes_crafted_queries(voila_server, page):  # noqa: F811
    marker = Path(tempfile.gettempdir()) / f"skipviz-pwned-{uuid.uuid4().hex}"
    crafted = (f"depth=__import__('os').system('touch {marker}')"
               "&lang=<script>window.pwned=1</script>&seed=<img src=x onerror=window.pwned=2>"
               "&steps=20")
    status, _, html = get(voila_server, f"{DASHBOARD}?" + crafted.replace(" ", "%20"))
    assert status == 200 and is_dashboard(html)
    release(voila_server, html)
    for code in ("apply_query", "%matplotlib", "from skipviz", "app.show()", "Traceback",
                 "<script>window.pwned", "onerror=window.pwned"):
        assert code not in html, code

    page.goto(voila_server.url + "?" + crafted)
    page.wait_for_selector(".sv-status.sv-done", timeout=TIMEOUT_MS)
    notes = page.inner_text(".sv-notes")
    assert "depth must be a whole number" in notes and "lang must be one of" in notes
    assert "seed must be a whole number" in notes
    assert "<script>window.pwned=1</script>" in notes  # shown as text, not run
    assert page.evaluate("window.pwned === undefined")
    assert not page.locator(".sv-notes script, .sv-notes img").count()
    assert "depth 20 " in page.inner_text(".sv-status")  # the bad values were ignored
    assert not marker.exists()
    assert "apply_query" not in page.content()


def test_the_server_listens_on_localhost_only(voila_server):  # noqa: F811
    # the packaged voila.json says so, and `skipviz serve` has no option to say otherwise
    procs = [psutil.Process(voila_server.proc.pid), *kernels(voila_server)]
    listening = [c.laddr for p in procs for c in p.net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN]
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening
    config = json.loads((ROOT / "voila.json").read_text())
    assert config["Voila"]["ip"] == "127.0.0.1"
    make_app = re.search(r"^app:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    args = shlex.split(make_app)
    assert args[args.index("$(VENV)/bin/skipviz") + 1] == "serve"
    assert not [a for a in args if "ip" in a.lower() and "=" in a], args
    assert "--ip" not in voila_server_help() and "--Voila.ip" not in voila_server_help()
    voila = config["VoilaConfiguration"]
    assert voila["strip_sources"] is True and voila["show_tracebacks"] is False
    assert voila["file_allowlist"] == []
    assert voila["allow_template_override"] == voila["allow_theme_override"] == "NO"


def voila_server_help() -> str:
    return subprocess.run([sys.executable, "-m", "skipviz", "serve", "--help"],
                          capture_output=True, text=True, check=True).stdout


APP_MODULES = sorted(p.stem for p in (ROOT / "skipviz" / "app").glob("*.py"))
RUNS = {"eval", "exec", "compile", "__import__", "system", "popen", "Popen", "run",
        "import_module", "literal_eval"}
READS = {"open", "loads", "load", "read_text", "read_bytes"}
# the result store reads back the files it wrote itself, named by a hash of the validated
# setting (skipviz/app/store.py); no other module of the dashboard touches a file
READERS = {"store"}


def test_no_widget_value_reaches_code_that_runs_or_reads(voila_server):  # noqa: F811
    # what a viewer types or sends only ever meets int(), float() and fixed lists of choices
    assert {"dashboard", "settings", "runner"} <= set(APP_MODULES)
    found = {}
    for name in APP_MODULES:
        tree = ast.parse((ROOT / "skipviz" / "app" / f"{name}.py").read_text())
        calls = {n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
                 for n in ast.walk(tree) if isinstance(n, ast.Call)}
        found[name] = sorted(calls & (RUNS if name in READERS else RUNS | READS))
    assert found == {name: [] for name in APP_MODULES}, found
