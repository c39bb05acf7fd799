"""the landing page of `skipviz serve`: one card (thumbnail, title, one line) per page.

plain html and inline svg, no script and nothing fetched from elsewhere: it renders the same
offline, costs the server no kernel, and gives a viewer nothing but the links.
"""

from __future__ import annotations

import html
import math

from .pages import Page

__all__ = ["render_landing", "thumbnail_svg"]

# the palette's plain and residual colours (skipviz/viz/palette.py), repeated here because the
# server must not import the plotting stack; tests/serve checks that the two stay equal
PLAIN = "#D55E00"
RESIDUAL = "#0072B2"


def thumbnail_svg(page: Page) -> str:
    """a small picture of the story: the plain net's signal fading with depth, the residual
    net's holding level. each lesson's plain curve fades at its own rate, so cards differ."""
    width, height, layers = 160, 90, 12
    rate = 0.18 + 0.05 * ((page.number or 0) % 7)
    xs = [10 + i * (width - 20) / (layers - 1) for i in range(layers)]

    def path(values: list[float]) -> str:
        # values in (0, 1]: log scale from the top (1) to the bottom (1e-3)
        ys = [12 + (height - 24) * min(1.0, -math.log10(max(v, 1e-3)) / 3) for v in values]
        return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}"
                        for i, (x, y) in enumerate(zip(xs, ys, strict=True)))

    plain = path([math.exp(-rate * 3 * i) for i in range(layers)])
    residual = path([0.85 + 0.05 * math.sin(i + (page.number or 0)) for i in range(layers)])
    label = f"{page.number:02d}" if page.is_lesson else "live"
    return (
        f'<svg class="thumb" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="plain net fades, residual net holds" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="{width}" height="{height}" rx="6" fill="#f6f7f9"/>'
        f'<path d="{plain}" fill="none" stroke="{PLAIN}" stroke-width="2.5"/>'
        f'<path d="{residual}" fill="none" stroke="{RESIDUAL}" stroke-width="2.5"/>'
        f'<text x="{width - 8}" y="{height - 8}" text-anchor="end" font-size="20" '
        f'font-family="sans-serif" fill="#555">{label}</text></svg>'
    )


def render_landing(pages: list[Page], base_url: str = "/") -> str:
    """the whole landing page; every text is escaped, every link is one of `pages`."""
    cards = []
    for page in pages:
        href = html.escape(f"{base_url}voila/render/{page.name}", quote=True)
        kind = f"Lesson {page.number}" if page.is_lesson else "Dashboard"
        cards.append(
            f'<a class="card" href="{href}">{thumbnail_svg(page)}'
            f'<div class="kind">{kind}</div>'
            f'<div class="title">{html.escape(page.title)}</div>'
            f'<div class="line">{html.escape(page.summary)}</div></a>'
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>skipviz: skip and residual connections, live</title>
<style>
 body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem;
        padding: 0 1rem; color: #222; }}
 h1 {{ font-weight: 600; margin-bottom: .2rem; }}
 .lead {{ color: #555; margin-top: 0; }}
 .grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr));
         gap: 1rem; margin-top: 1.5rem; }}
 .card {{ display: block; border: 1px solid #ddd; border-radius: 8px; padding: .8rem;
         text-decoration: none; color: inherit; background: #fff; }}
 .card:hover, .card:focus {{ border-color: {RESIDUAL}; box-shadow: 0 2px 8px #0002; }}
 .thumb {{ width: 100%; height: auto; display: block; }}
 .kind {{ font-size: .8rem; color: #777; margin-top: .5rem; text-transform: uppercase; }}
 .title {{ font-weight: 600; margin: .2rem 0; }}
 .line {{ font-size: .9rem; color: #444; }}
 footer {{ margin-top: 2rem; font-size: .85rem; color: #777; }}
</style></head>
<body>
<h1>skipviz</h1>
<p class="lead">Why 跳跃连接 skip connections and 残差连接 residual connections keep deep networks
trainable: a live dashboard and {sum(p.is_lesson for p in pages)} lessons.</p>
<div class="grid">
{chr(10).join(cards)}
</div>
<footer>Each page starts its own Python kernel; closing the tab shuts it down.
To edit and run the lessons yourself: <code>skipviz lessons DIR</code>, then open DIR in
JupyterLab.</footer>
</body></html>
"""
