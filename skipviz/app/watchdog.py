"""a small script for the voila page: say in words when the kernel behind the dashboard is gone.

voila 0.5 keeps its app at window.jupyterapp and the widget manager's kernel connection at
jupyterapp.widgetManager.kernel; its status and connection signals tell us when the kernel
died, restarted (its widgets are gone) or the server went away. a poll of /api/kernels/<id>
catches a kernel that was culled while the socket stayed quiet; it carries the `_xsrf`
cookie as an X-XSRFToken header, which jupyterhub's single-user servers require of every
cookie-authenticated api call (without it the poll got 403 on a hub).

voila shuts a page's kernel down when the page goes away (a beacon on `beforeunload`),
but standalone voila never sets the `_xsrf` cookie that beacon copies, so the server
refuses it (403, voila issue #1458) and every closed or reloaded tab left a ~360 MB kernel
running until the culler came. the script sets a random `_xsrf` cookie when there is none:
tornado's double-submit check (cookie == form field) then passes, and a cross-site page
still cannot forge it (it can neither read nor set our cookies).
"""

from __future__ import annotations

DEAD = ("The dashboard's Python kernel has stopped (it was shut down after a long idle time, "
        "or it crashed), so the controls no longer do anything. "
        "<a href='#' onclick='location.reload();return false'>Reload the page</a> "
        "to start a fresh one. · 仪表盘的 Python 内核已停止（空闲太久被关闭，或已崩溃），"
        "控件不再起作用。请<a href='#' onclick='location.reload();return false'>重新加载页面</a>。")
STOPPED = ("stopped: the kernel is gone, nothing trains any more (reload the page) · "
           "已停止：内核已不在，不会再训练（请重新加载页面）")
LOST = ("Lost the connection to the server; trying to reconnect… · "
        "与服务器的连接已断开，正在尝试重新连接……")

SCRIPT = r"""
<script>
(function () {
  if (window.__skipvizWatch) { return; }
  window.__skipvizWatch = true;
  if (!/(^|;\s*)_xsrf=/.test(document.cookie)) {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    var token = Array.from(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); });
    document.cookie = '_xsrf=' + token.join('') + '; path=/; SameSite=Strict';
  }
  var dead = false;
  function banner(html, kind) {
    var b = document.getElementById('sv-kernel-banner');
    if (!b) {
      b = document.createElement('div');
      b.id = 'sv-kernel-banner';
      b.setAttribute('role', 'alert');
      b.style.cssText = 'position:fixed;top:0;left:0;right:0;z-index:10000;padding:10px 16px;' +
        'font:15px sans-serif;color:#000;background:#F0E442;border-bottom:2px solid #000;';
      document.body.appendChild(b);
    }
    b.className = 'sv-kernel-' + kind;
    b.innerHTML = html;
    b.style.display = 'block';
  }
  function hide() {
    var b = document.getElementById('sv-kernel-banner');
    if (b && !dead) { b.style.display = 'none'; }
  }
  function gone() {
    dead = true;
    banner(%(dead)s, 'dead');
    // the status line would keep its last words ("training… step 1/2000") for good
    document.querySelectorAll('.sv-status').forEach(function (s) {
      s.classList.remove('sv-busy', 'sv-done', 'sv-diverged', 'sv-waiting');
      s.classList.add('sv-stopped');
      s.textContent = %(stopped)s;
    });
  }
  function config() {
    try { return JSON.parse(document.getElementById('jupyter-config-data').textContent); }
    catch (e) { return {}; }
  }
  function hook() {
    var app = window.jupyterapp, wm = app && app.widgetManager, k = wm && wm.kernel;
    if (!k) { setTimeout(hook, 500); return; }
    k.statusChanged.connect(function (_, s) {
      if (s === 'dead' || s === 'restarting' || s === 'autorestarting') { gone(); }
    });
    k.connectionStatusChanged.connect(function (_, s) {
      if (s === 'connected') { hide(); }
      else if (s === 'connecting' && !dead) { banner(%(lost)s, 'lost'); }
      else if (s === 'disconnected') { gone(); }
    });
  }
  function poll() {
    var c = config();
    if (!c.kernelId || dead) { return; }
    var url = (c.baseUrl || '/') + 'api/kernels/' + c.kernelId;
    // jupyterhub (4.1+) refuses a cookie-authenticated api call, even a GET, without the
    // xsrf token in a header: send the page's _xsrf cookie back as X-XSRFToken
    var xsrf = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    var headers = xsrf ? {'X-XSRFToken': decodeURIComponent(xsrf[1])} : {};
    var ask = {cache: 'no-store', credentials: 'same-origin', headers: headers};
    fetch(url, ask).then(function (r) {
      if (r.status === 404) { gone(); }
      else if (r.ok) { return r.json().then(function (m) {
        if (m.execution_state === 'dead') { gone(); } else { hide(); } }); }
    }).catch(function () { if (!dead) { banner(%(lost)s, 'lost'); } });
  }
  hook();
  setInterval(poll, 5000);
})();
</script>
"""


def watchdog_html() -> str:
    import json

    return SCRIPT % {"dead": json.dumps(DEAD), "lost": json.dumps(LOST),
                     "stopped": json.dumps(STOPPED)}
