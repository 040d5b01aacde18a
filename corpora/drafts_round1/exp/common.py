import sys, re, numpy as np, pandas as pd, warnings
warnings.filterwarnings('ignore')
sys.path.insert(0, '/work/main')
from sklearn.metrics import f1_score, accuracy_score
from feedback_mining.text.normalize import normalize_many
import csv
def load_train(agree_only=True):
    old = pd.read_csv('/work/main/corpora/complaints_labeled.csv', dtype=str, keep_default_na=False)
    new = pd.read_csv('/work/scratch/corpus/merged.csv', dtype=str, keep_default_na=False)
    if agree_only:
        b = {}
        for k in range(1,5):
            for r in csv.DictReader(open(f'/work/scratch/corpus/blind/part_{k}.labels.csv',encoding='utf-8-sig')): b[r['id']]=r['gap'].strip()
        new = new[[b.get(i)==g for i,g in zip(new.draft_id, new.gap)]]
    old['src']='old'; new['src']='new'
    return pd.concat([old, new], ignore_index=True)
dev = pd.read_csv('/work/shared/devset/gap_dev.csv', dtype=str, keep_default_na=False)
ORDER = ['promotion','behavior','process','understanding','perception']
def report(name, p, y=None):
    y = dev.gap.values if y is None else y; p=np.asarray(p)
    m = f1_score(y, p, average='macro'); a = accuracy_score(y, p)
    per = {s: round(f1_score(y[dev.source==s], p[dev.source==s], average='macro'),3) for s in ['auto_12365','shopping_review']}
    pc = dict(zip(ORDER, np.round(f1_score(y, p, labels=ORDER, average=None),2)))
    print(f"{name:38s} F1 {m:.3f} acc {a:.3f} {per} {pc}", flush=True)
    return m
