"""Rebuild the CJK font subset shipped with the notebooks, reproducibly, from mplfonts' Noto Sans CJK SC.

    pip install 'fonttools[woff]'          # brotli, only needed to write WOFF2
    python tools/build_cjk_font.py         # ≈ 45 s on a 2-core machine
    python tools/build_cjk_font.py --coverage corpora/complaints_labeled.csv ../shared/corpora/*.csv

Writes ``feedback_mining/notebook/labextension/static/NotoSansSC-gb2312.woff2`` and, beside it, a ``.json``
with the recipe (version, character count and hash), the source font's SHA-256 and the output's
SHA-256, which ``tests/test_widgets.py`` checks against the recipe in the package. Why ship it
rather than build it at first use: the subset takes 25–45 s to build here (CFF subsetting, measured
with this script), which would stall the first notebook cell on every new machine; the 1.2 MB file
loads instantly. Characters outside the subset are built at run time (small, cached).
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback_mining.notebook.fonts import SUBSET_FILE, build_face, font_recipe, source_font, subset_chars  # noqa: E402


def coverage(paths: list[str]) -> None:
    """Share of the CJK-range characters (≥ U+2E80) of ``paths`` that the subset covers."""
    import collections

    from feedback_mining.notebook.fonts import in_subset

    cnt: collections.Counter = collections.Counter()
    for p in paths:
        cnt.update(ch for ch in Path(p).read_text(encoding="utf-8", errors="replace") if ord(ch) >= 0x2E80)
    total = sum(cnt.values()) or 1
    print(f"{sum(cnt.values())} occurrences, {len(cnt)} distinct characters; the subset covers "
          f"{sum(v for c, v in cnt.items() if in_subset(c)) / total:.3%} of occurrences, "
          f"{sum(1 for c in cnt if in_subset(c)) / max(len(cnt), 1):.1%} of distinct characters")


def main() -> None:
    if sys.argv[1:2] == ["--coverage"]:
        return coverage(sys.argv[2:])
    t0 = time.perf_counter()
    data = build_face(subset_chars(), flavor="woff2")
    SUBSET_FILE.parent.mkdir(parents=True, exist_ok=True)
    SUBSET_FILE.write_bytes(data)
    import fontTools

    meta = {**font_recipe(), "source_sha256": hashlib.sha256(source_font().read_bytes()).hexdigest(),
            "fonttools": fontTools.version, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "licence": "SIL Open Font License 1.1 (OFL.txt beside this file)"}
    SUBSET_FILE.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"{SUBSET_FILE} {len(data) / 1e6:.2f} MB, {meta['chars']} characters, {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
