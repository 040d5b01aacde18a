"""Rebuild the CJK font subset shipped with the notebooks, reproducibly, from mplfonts' Noto Sans CJK SC.

    pip install 'fonttools[woff]'          # brotli, only needed to write WOFF2
    python tools/build_cjk_font.py         # ≈ 45 s on a 2-core machine

Writes ``feedback_mining/notebook/static/fonts/NotoSansSC-gb2312.woff2`` and, beside it, a ``.json``
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


def main() -> None:
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
