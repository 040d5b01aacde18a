"""Personal-data masking: false-positive rates on look-alikes, recall on every written form, what
it masks in the real review corpora, and its speed. Prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_privacy.py [--shared ../shared/corpora] [--n 2000]

False positives are measured on generated order numbers (16/18/19 digits, with a label such as
订单号 and bare), tracking numbers, dates, prices, model names, timestamps, invoice and ticket
numbers — the categories of the hostile-input review — each inside a real-looking sentence.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback_mining.text.privacy import PII_PLACEHOLDERS, mask_many, mask_pii  # noqa: E402

SENTENCE = "客服一直说在处理，{x}，到现在也没人管，要求退款"


def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def look_alikes(rng, n):
    """category → n values that are not personal data."""
    cats = {
        "order-16 (订单号…)": lambda: "订单号" + rng.choice("123456789") + digits(rng, 15),
        "order-16 bare": lambda: rng.choice("123456789") + digits(rng, 15),
        "order-18 (订单编号…)": lambda: "订单编号" + "2" + digits(rng, 17),
        "order-18 bare": lambda: rng.choice("123456789") + digits(rng, 17),
        "order-19 (交易流水号…)": lambda: "交易流水号" + "4" + digits(rng, 18),
        "order-19 bare": lambda: rng.choice("123456789") + digits(rng, 18),
        "tracking SF/YT/7…": lambda: rng.choice(["顺丰单号SF" + digits(rng, 12), "圆通单号YT" + digits(rng, 13), "快递单号7" + digits(rng, 14)]),
        "dates": lambda: rng.choice([f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                                     f"20{rng.randint(10, 26)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
                                     f"{rng.randint(2010, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"]),
        "prices": lambda: rng.choice([f"¥{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}", f"{rng.randint(1000, 99999)}元",
                                      f"{rng.randint(1, 9)},{rng.randint(100, 999)},{rng.randint(100, 999)}元"]),
        "model names": lambda: rng.choice(["新GLC300", "新MATE60", "型号X1" + rng.choice("3456789") + digits(rng, 9), "iPhone15ProMax", "新A6L",
                                           "GL8", "RTX4090", "SKU-A" + digits(rng, 5), "型号SM-G" + digits(rng, 4), "新MATE60Pro+", "云MES"]),
        "ms timestamps (13 digits)": lambda: "时间戳17" + digits(rng, 11),
        "invoices (20 digits)": lambda: "电子发票号码2" + digits(rng, 19),
        "tickets (12 digits)": lambda: "工单号1" + rng.choice("3456789") + digits(rng, 10),
    }
    return {name: [make() for _ in range(n)] for name, make in cats.items()}


def fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


def luhn_complete(body):
    for d in "0123456789":
        total = sum((int(c) * (2 if i % 2 else 1)) - (9 if int(c) * (2 if i % 2 else 1) > 9 else 0) for i, c in enumerate(reversed(body + d)))
        if total % 10 == 0:
            return body + d


def id_number(rng, bad=False):
    body = rng.choice(["110105", "310104", "440305", "510107", "620102"]) + f"{rng.randint(1940, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + digits(rng, 3)
    check = "10X98765432"[sum(int(a) * w for a, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2))) % 11]
    return body + (rng.choice([c for c in "0123456789" if c != check]) if bad else check)


def pii_forms(rng, n):
    """kind/form → n (text, secret) pairs."""
    mob = lambda: "1" + rng.choice("3456789") + digits(rng, 9)  # noqa: E731
    loc = lambda: rng.choice("23456789") + digits(rng, 7)  # noqa: E731
    forms = {
        "mobile plain / spaced / dotted": lambda: (lambda m: (rng.choice([m, f"{m[:3]} {m[3:7]} {m[7:]}", f"{m[:3]}.{m[3:7]}.{m[7:]}"]), m))(mob()),
        "mobile full-width / +86 / 0086": lambda: (lambda m: (rng.choice([fullwidth(m), "+86 " + m, "0086-" + m, "(+86)" + m]), m))(mob()),
        "landline (021)/0755 /（021）/+86 10": lambda: (lambda n_: (rng.choice([f"(021){n_[:4]}-{n_[4:]}", f"0755 {n_[:4]} {n_[4:]}",
                                                                            f"（021）{n_}", f"+86 10 {n_}", fullwidth(f"021-{n_}")]), n_))(loc()),
        "ID valid / wrong check digit": lambda: (lambda s: (s, s[:17]))(id_number(rng, rng.random() < 0.5)),
        "ID full-width / 6-8-4": lambda: (lambda s: (rng.choice([fullwidth(s), f"{s[:6]} {s[6:14]} {s[14:]}"]), s[:17]))(id_number(rng)),
        "UnionPay card 16-19, grouped": lambda: (lambda c: (rng.choice([c, " ".join(c[i:i + 4] for i in range(0, len(c), 4))]), c))(
            luhn_complete("62" + digits(rng, rng.choice([13, 14, 15, 16])))),
        "plate upper / lower / full-width / 粤B·D": lambda: (lambda t: (rng.choice(["京" + t, "沪" + t.lower(), "粤" + fullwidth(t), f"粵{t[0]}·{t[1:]}"]), t))(
            rng.choice("ABCDEFGHJK") + digits(rng, 5)),
        "e-mail plain / ＠ / IDN / spaced": lambda: (lambda u: (rng.choice([f"{u}@qq.com", f"{u}＠163.com", f"{u}@例子.中国", f"{u} @ qq.com",
                                                                       f"{u}@xn--fsqu00a.xn--fiqs8s"]), u))("u" + digits(rng, 6)),
    }
    return {name: [make() for _ in range(n)] for name, make in forms.items()}


def recoverable(text):
    return re.sub(r"[\s\-.()·•—–_/:：、]+", "", unicodedata.normalize("NFKC", text).upper())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "corpora"))
    ap.add_argument("--n", type=int, default=2000, help="generated values per category")
    args = ap.parse_args()
    rng = random.Random(20261203)

    print("false positives (values that are not personal data, masked anyway)")
    worst = 0.0
    for name, values in look_alikes(rng, args.n).items():
        texts = [SENTENCE.format(x=v) for v in values]
        rate = sum(a != b for a, b in zip(texts, mask_many(texts))) / len(texts)
        worst = max(worst, rate)
        print(f"  {name:<28} {rate:6.2%}")
    print(f"  worst category: {worst:.2%}")

    print("recall (every written form; the secret must not be recoverable from the output)")
    for name, pairs in pii_forms(rng, args.n).items():
        texts = [SENTENCE.format(x=t) for t, _ in pairs]
        masked = mask_many(texts)
        rate = sum(recoverable(s) not in recoverable(m) for m, (_, s) in zip(masked, pairs)) / len(pairs)
        print(f"  {name:<38} {rate:6.2%}")

    shared = Path(args.shared)
    files = [shared / "online_shopping_10_cats.csv", shared / "waimai_10k.csv"]
    if all(f.exists() for f in files):
        texts = [t for f in files for t in pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")["review"]]
        masked = mask_many(texts)
        changed = [(t, m) for t, m in zip(texts, masked) if t != m]
        kinds = {k: sum(m.count(v) for _, m in changed) for k, v in PII_PLACEHOLDERS.items()}
        print(f"real reviews ({len(texts):,}, {', '.join(f.name for f in files)}): {len(changed)} masked — "
              + ", ".join(f"{k} {v}" for k, v in kinds.items()))
        chars = sum(map(len, texts))
        t0 = time.perf_counter()
        mask_many(texts)
        batch = time.perf_counter() - t0
        t0 = time.perf_counter()
        for t in texts:
            mask_pii(t)
        single = time.perf_counter() - t0
        print(f"speed: mask_many {chars / batch / 1e6:.1f} M chars/s; one mask_pii call per text (baseline, same run) "
              f"{chars / single / 1e6:.1f} M chars/s → {single / batch:.1f}×")
    else:
        print(f"({shared} not found: real-corpus figures skipped)")


if __name__ == "__main__":
    main()
