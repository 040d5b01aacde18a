#!/usr/bin/env python3
"""Check corpus drafts: python3 check.py DRAFT.csv [DRAFT2.csv ...]
Validates columns and values, prints length/label/industry/form mix, and flags
(1) templating: two draft texts (across ALL files in ../drafts) sharing a 15-character substring,
(2) copying: a draft text too close to any real text in /work/shared (devset + corpora).
Exit 1 if any hard problem is found."""
import csv, sys, os, glob, re, collections, pickle, statistics
GAPS = {"understanding", "process", "behavior", "promotion", "perception"}
DEMANDS = {"refund", "repair", "replacement", "compensation", "apology", "explanation", "staff_action", "other"}
ESC = {"none", "watch", "high"}
COLS = ["text", "gap", "industry", "channel", "form", "customer_demand", "escalation"]
FORMS = {"title", "one_liner", "review", "weibo", "complaint_post", "letter", "official_message", "phone", "chat"}
CHANNELS = {"电话", "微信", "微博", "邮件", "门店", "App", "网页", "热线", "留言板", "信函"}
HERE = os.path.dirname(os.path.abspath(__file__))
DRAFTS = os.path.join(HERE, "..", "drafts")
DRAFTS2 = os.path.join(HERE, "..", "drafts2")
SHARED = "/work/shared"

def read(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))

def real_index():
    cache = os.path.join(HERE, ".real_index.pkl")
    if os.path.exists(cache):
        return pickle.load(open(cache, "rb"))
    texts = []
    for x in read(f"{SHARED}/devset/gap_dev.csv"):
        texts.append(x["text"])
    for x in read(f"{SHARED}/corpora/online_shopping_10_cats.csv"):
        texts.append(x["review"] or "")
    for x in read(f"{SHARED}/corpora/waimai_10k.csv"):
        texts.append(x["review"] or "")
    idx = collections.defaultdict(list)
    for i, t in enumerate(texts):
        t = re.sub(r"\s+", "", t)
        for g in {t[j:j + 6] for j in range(len(t) - 5)}:
            lst = idx[g]
            if len(lst) < 300:
                lst.append(i)
    idx = dict(idx)
    pickle.dump((texts, idx), open(cache, "wb"))
    return texts, idx

def main(paths):
    bad = 0
    rows = []
    for p in paths:
        r = read(p)
        if not r:
            print(f"{p}: empty"); bad += 1; continue
        missing = [c for c in COLS if c not in r[0]]
        if missing:
            print(f"{p}: missing columns {missing}"); bad += 1; continue
        for n, x in enumerate(r, start=2):
            errs = []
            t = x["text"] or ""
            if not t.strip(): errs.append("empty text")
            if x["gap"] not in GAPS: errs.append(f"gap {x['gap']!r}")
            if x["escalation"] not in ESC: errs.append(f"escalation {x['escalation']!r}")
            d = (x["customer_demand"] or "").split("|")
            if not d or any(v not in DEMANDS for v in d) or ("other" in d and len(d) > 1): errs.append(f"demand {x['customer_demand']!r}")
            if x["form"] not in FORMS: errs.append(f"form {x['form']!r}")
            if x["channel"] not in CHANNELS: errs.append(f"channel {x['channel']!r}")
            if not re.fullmatch(r"[a-z_]+", x["industry"] or ""): errs.append(f"industry {x['industry']!r}")
            if errs:
                bad += 1; print(f"{p}:{n}: " + "; ".join(errs))
            rows.append((p, n, x))
    # duplicates and templating across every draft file
    others = []
    for p in glob.glob(os.path.join(DRAFTS, "*.csv")) + glob.glob(os.path.join(DRAFTS2, "*.csv")):
        if os.path.abspath(p) in {os.path.abspath(q) for q in paths}: continue
        try:
            others += [(p, n, x) for n, x in enumerate(read(p), start=2)]
        except Exception:
            pass
    seen = {}
    for p, n, x in others + rows:
        t = re.sub(r"\s+", "", x.get("text") or "")
        for j in range(0, max(0, len(t) - 14)):
            g = t[j:j + 15]
            if g in seen and seen[g][:2] != (p, n):
                q, m = seen[g]
                if (p, n, x) in rows:
                    bad += 1; print(f"TEMPLATE {os.path.basename(p)}:{n} shares 「{g}」 with {os.path.basename(q)}:{m}")
                break
            seen.setdefault(g, (p, n))
    texts, idx = real_index()
    for p, n, x in rows:
        t = re.sub(r"\s+", "", x["text"])
        grams = {t[j:j + 6] for j in range(len(t) - 5)}
        if not grams: continue
        hits = collections.Counter()
        for g in grams:
            for i in idx.get(g, ()):
                hits[i] += 1
        if hits:
            i, c = hits.most_common(1)[0]
            if c >= 4 and c / len(grams) >= 0.35 or c >= 12:
                bad += 1; print(f"TOO CLOSE TO REAL TEXT {os.path.basename(p)}:{n} 「{x['text'][:40]}」 ~ 「{texts[i][:40]}」")
    L = [len(x["text"]) for _, _, x in rows]
    if L:
        print(f"rows {len(L)}  median length {statistics.median(L)}  under 30 chars {sum(l < 30 for l in L) / len(L):.0%}  over 150 {sum(l > 150 for l in L) / len(L):.0%}")
        for col in ["gap", "industry", "form", "channel", "escalation"]:
            c = collections.Counter(x[col] for _, _, x in rows)
            print(col, ", ".join(f"{k} {v / len(L):.0%}" for k, v in c.most_common()))
        c = collections.Counter(v for _, _, x in rows for v in x["customer_demand"].split("|"))
        print("demand", ", ".join(f"{k} {v}" for k, v in c.most_common()))
    print("PROBLEMS:", bad)
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
