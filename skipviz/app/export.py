"""the trained setting as one download: its settings (json) and both nets' state_dicts."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from dataclasses import asdict

import torch

from .settings import Settings, to_query
from .store import package_version
from .words import variant_file


def run_archive(settings: Settings, snaps) -> bytes:
    """a zip: settings.json (the setting, its link, versions, final losses) and one
    <variant>.pt per trained net, loadable with make_mlp(...).load_state_dict(torch.load(f))."""
    meta = {"settings": asdict(settings), "query": "?" + to_query(settings),
            "skipviz": package_version(), "torch": torch.__version__, "nets": {}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for s in snaps:
            name = variant_file(s.alpha)
            meta["nets"][name] = {"alpha": s.alpha, "final_loss": s.final_loss,
                                  "accuracy": s.accuracy, "steps_run": s.steps_run,
                                  "diverged_at": s.diverged_at}
            if s.weights:
                state = {k: torch.from_numpy(v.copy()) for k, v in s.weights.items()}
                out = io.BytesIO()
                torch.save(state, out)
                z.writestr(f"{name}.pt", out.getvalue())
        z.writestr("settings.json", json.dumps(meta, indent=2, default=str))
    return buf.getvalue()


def data_link(data: bytes, filename: str, label: str, mime: str = "application/zip") -> str:
    """an html link that downloads `data` as `filename` (no server route needed)."""
    b64 = base64.b64encode(data).decode("ascii")
    return (f"<a download='{filename}' href='data:{mime};base64,{b64}'>{label}</a> "
            f"<span style='color:#666'>({len(data) / 1024:.0f} kB)</span>")
