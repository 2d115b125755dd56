"""The demo corpus as an external test set for the framing classifier.

`framing/` must not import the extractors, so this glue turns the committed demo
pages (demo/sites, gold labels in demo/manifest.json) into plain
`(id, gold label, ArticleText)` items with the pipeline's own extraction, and
`framing.evaluate` scores whatever items it is given. The demo pages were
written independently of the classifier and its dev set: they are never used
for fitting, only for measuring how the method transfers.
"""

from __future__ import annotations

import json
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
# Any address works: the pages only need *a* base URL for canonical links.
BASE_URL = "http://127.0.0.1:1"
# The demo's five labels map onto the classifier's: hawkish and neutral news are
# on-topic pieces in neither reference framing.
LABEL_MAP = {"hawkish": "neither", "neutral_news": "neither"}


def load_demo_items(demo_dir: Path = DEMO_DIR) -> list[tuple[str, str, object]]:
    """Extracted demo articles as (id, gold label, ArticleText), manifest order.

    Republished copies are kept: the pipeline classifies them too. Pages the
    extractor rejects are skipped (none are, today), as the pipeline would.
    """
    from dataclasses import replace

    from extractors.article import ExtractedArticle, extract_article
    from framing.boilerplate import site_boilerplate
    from framing.types import ArticleText

    manifest = json.loads((demo_dir / "manifest.json").read_text(encoding="utf-8"))
    items = []
    for a in manifest["articles"]:
        page = demo_dir / "sites" / a["site_id"] / a["path"].lstrip("/")
        body = page.read_text(encoding="utf-8").replace("{{BASE_URL}}", BASE_URL).encode("utf-8")
        url = a["url"].replace("{{BASE_URL}}", BASE_URL)
        got = extract_article(body, url)
        if not isinstance(got, ExtractedArticle):
            continue
        label = LABEL_MAP.get(a["label"], a["label"])
        items.append((f"{a['site_id']}{a['path']}", label, ArticleText(got.title or a["title"], got.text)))
    # Sentences printed on many pages of one site are boilerplate, never evidence.
    recurring = site_boilerplate([(i.split("/", 1)[0], doc.text) for i, _, doc in items])
    return [(i, g, replace(doc, boilerplate=recurring[i.split("/", 1)[0]])) for i, g, doc in items]
