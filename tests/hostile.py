"""Shared pieces of the hostile-input tests: realistic complaints, running the CLI in this process,
and reading back every byte a command wrote (zip members, Parquet) to look for personal data."""
from __future__ import annotations

import csv
import html
import io
import random
import re
import unicodedata
import zipfile
from pathlib import Path

from feedback_mining.cli import main

PLACES = ["4S店", "物业服务中心", "旗舰店", "外卖平台", "连锁酒店", "营业厅"]
PROBLEMS = ["销售顾问承诺的赠品一件没给", "维修师傅约了三次都没来", "快递显示签收但我根本没收到", "送餐超时一个半小时还洒了",
            "床单有明显污渍和头发", "被莫名其妙开通了增值业务", "說好的贈品沒有給", "客服机器人来回踢皮球"]
TAILS = ["，要求全额退款。", "，已经在微博曝光了😡", "，希望尽快给个说法", " 真的很 disappointed", "，ＡＰＰ闪退！！", "，不想曝光，只想解决"]


def complaint(rng: random.Random) -> str:
    return f"在{rng.choice(PLACES)}办事，结果{rng.choice(PROBLEMS)}{rng.choice(TAILS)}"


def write_csv(path: Path, header: list[str], rows: list[list[str]], newline: str = "\n", encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    quoting = csv.QUOTE_ALL if any("\r" in str(v) for r in rows for v in r) else csv.QUOTE_MINIMAL
    csv.writer(buf, lineterminator=newline, quoting=quoting).writerows([header] + rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def run(capsys, *argv) -> tuple[int, list[str]]:
    """``feedback-mining ARGV`` in this process: exit code and the non-empty stderr lines."""
    capsys.readouterr()
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        rc = exc.code
    err = capsys.readouterr().err
    return rc, [line for line in err.replace("\r", "\n").splitlines() if line.strip()]


def one_line_error(rc: int, lines: list[str]) -> bool:
    return rc == 2 and len(lines) == 1 and "Traceback" not in lines[0]


ACCOUNT = re.compile(r"rows read (\d+), written (\d+), rejected (\d+)")


def accounting(lines: list[str]) -> tuple[int, int, int] | None:
    found = [ACCOUNT.search(line) for line in lines]
    found = [m for m in found if m]
    return tuple(int(x) for x in found[-1].groups()) if found else None


def leftovers(folder: Path) -> list[str]:
    """Temporary debris a finished or failed run must not leave: *.parts folders, hidden *.part files."""
    return [str(p.relative_to(folder)) for p in folder.rglob("*")
            if (p.is_dir() and p.name.endswith(".parts")) or p.name.endswith(".part")]


def recoverable(text: str) -> str:
    """What a reader could still recover from written text: NFKC, upper case, separators dropped."""
    return re.sub(r"[\s\-.()·•—–_/:：、]+", "", unicodedata.normalize("NFKC", text).upper())


def written_text(folder: Path, stderr: list[str] = ()) -> str:
    """Every byte under ``folder`` as text (zip members of .xlsx/.pptx expanded, Parquet decoded)
    plus stderr, in :func:`recoverable` form."""
    import pyarrow.parquet as pq

    parts = list(stderr)
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        parts.append(data.decode("utf-8", "replace"))
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                parts += [html.unescape(z.read(m).decode("utf-8", "replace")) for m in z.namelist()]  # &#25163; → 手
        if data[:4] == b"PAR1":
            parts.append(str(pq.read_table(p).to_pylist()))
    return recoverable("\n".join(parts))


# --- personal data in every written form -----------------------------------------------------
def fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


def luhn_complete(body: str) -> str:
    for d in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(body + d)):
            n = int(ch) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return body + d
    raise AssertionError


def id_number(rng: random.Random, bad_check: bool = False) -> str:
    body = rng.choice(["110105", "310104", "440305", "510107"]) + f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += "".join(rng.choice("0123456789") for _ in range(3))
    check = "10X98765432"[sum(int(a) * w for a, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2))) % 11]
    return body + (str((int(check) + 1) % 10) if bad_check and check != "X" else check)


def pii_samples(rng: random.Random) -> list[tuple[str, str]]:
    """(written form, the secret a reader must not recover) for every form the masker promises."""
    def digits(n):
        return "".join(rng.choice("0123456789") for _ in range(n))

    out = []
    for form in (lambda m: m, fullwidth, lambda m: f"{m[:3]} {m[3:7]} {m[7:]}", lambda m: f"{m[:3]}.{m[3:7]}.{m[7:]}",
                 lambda m: f"+86 {m[:3]} {m[3:7]} {m[7:]}", lambda m: f"(+86){m}", lambda m: f"{m[:3]}－{m[3:7]}－{m[7:]}",
                 lambda m: "tel" + m):
        m = "1" + rng.choice("3456789") + digits(9)
        out.append((form(m), m))
    for form in (lambda n: f"(021){n[:4]}-{n[4:]}", lambda n: f"0755 {n[:4]} {n[4:]}", lambda n: f"（021）{n}", lambda n: f"+86 10 {n}",
                 lambda n: fullwidth(f"021-{n}"), lambda n: f"021-{n}转801"):
        n = rng.choice("23456789") + digits(7)
        out.append((form(n), n))
    for bad, form in ((False, lambda s: s), (True, lambda s: s), (False, fullwidth), (False, lambda s: f"{s[:6]} {s[6:14]} {s[14:]}")):
        s = id_number(rng, bad)
        out.append((form(s), s[:17]))
    for n, form in ((16, lambda c: c), (19, lambda c: " ".join(c[i:i + 4] for i in range(0, 19, 4))), (16, fullwidth)):
        c = luhn_complete("62" + digits(n - 3))
        out.append((form(c), c))
    for form in (lambda t: "京" + t, lambda t: "沪" + t.lower(), lambda t: "粤" + fullwidth(t), lambda t: f"粵{t[0]}·{t[1:]}"):
        t = rng.choice("ABCDEFGHJK") + digits(5)
        out.append((form(t), t))
    for form in (lambda u: f"{u}@example.com", lambda u: f"{u}＠qq.com", lambda u: f"{u}@例子.中国", lambda u: f"{u} @ 163.com",
                 lambda u: f"{u}@xn--fsqu00a.xn--fiqs8s"):
        u = "u" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(4)) + digits(4)
        out.append((form(u), u))
    return out
