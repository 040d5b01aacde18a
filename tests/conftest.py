from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"

# Keep the default-model cache inside the test session (fresh machines have none).
os.environ.setdefault("FEEDBACK_MINING_CACHE", str(ROOT / "out" / "test-cache"))
os.environ.setdefault("MPLBACKEND", "Agg")


def valid_id_number(prefix17: str = "11010519491231002") -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(prefix17, weights))
    return prefix17 + "10X98765432"[total % 11]


def luhn_number(prefix: str = "622202000000000") -> str:
    digits = [int(c) for c in prefix]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    if not (SHARED / "online_shopping_10_cats.csv").exists():
        pytest.skip("../shared/corpora is not beside the project")
    return SHARED


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 600):
    import subprocess

    exe = Path(sys.executable).parent / "feedback-mining"
    cmd = [str(exe), *args] if exe.exists() else [sys.executable, "-m", "feedback_mining.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or ROOT, timeout=timeout)
