import sys, time, numpy as np, pandas as pd, warnings
warnings.filterwarnings('ignore')
sys.path.insert(0, '/work/main')
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.metrics import f1_score, accuracy_score
from scipy import sparse
from feedback_mining.text.normalize import normalize_many
from feedback_mining.models.features import CueFeatures

old = pd.read_csv('/work/main/corpora/complaints_labeled.csv', dtype=str, keep_default_na=False)
new = pd.read_csv('/work/scratch/corpus/merged.csv', dtype=str, keep_default_na=False)
dev = pd.read_csv('/work/shared/devset/gap_dev.csv', dtype=str, keep_default_na=False)
which = sys.argv[1] if len(sys.argv) > 1 else 'both'
tr = {'old': old, 'new': new, 'both': pd.concat([old, new])}[which]
Xt, yt = normalize_many(tr.text), tr.gap.values
Xd, yd = normalize_many(dev.text), dev.gap.values
def report(name, p):
    m = f1_score(yd, p, average='macro'); a = accuracy_score(yd, p)
    per = {s: round(f1_score(yd[dev.source==s], p[dev.source==s], average='macro'),3) for s in ['auto_12365','shopping_review']}
    print(f"{name:40s} macroF1 {m:.3f} acc {a:.3f} {per}", flush=True)
cue = CueFeatures().fit(Xt)
Ct, Cd = cue.transform(Xt), cue.transform(Xd)
for ng in [(1,3),(1,4),(2,4)]:
    vec = TfidfVectorizer(analyzer='char', ngram_range=ng, sublinear_tf=True, min_df=2, max_df=0.5)
    A, B = vec.fit_transform(Xt), vec.transform(Xd)
    for cw in [0, 0.3, 1.0]:
        At = sparse.hstack([A, cw*Ct]).tocsr() if cw else A
        Bd = sparse.hstack([B, cw*Cd]).tocsr() if cw else B
        for name, m in [('svc C.5 bal', LinearSVC(C=0.5, class_weight='balanced')), ('svc C.5', LinearSVC(C=0.5)),
                        ('lr C10 bal', LogisticRegression(C=10, class_weight='balanced', max_iter=3000)),
                        ('lr C10', LogisticRegression(C=10, max_iter=3000))]:
            m.fit(At, yt); report(f"{which} {ng} cue{cw} {name}", m.predict(Bd))
    cnb = ComplementNB(alpha=0.3).fit(A, yt); report(f"{which} {ng} CNB", cnb.predict(B))
