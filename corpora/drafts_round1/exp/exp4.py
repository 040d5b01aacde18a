from common import *
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from scipy import sparse
from feedback_mining.models.features import CueFeatures
tr = load_train()
Xt, yt = normalize_many(tr.text), tr.gap.values
Xd = normalize_many(dev.text)
cue = CueFeatures().fit(Xt)
vec = TfidfVectorizer(analyzer='char', ngram_range=(1,3), sublinear_tf=True, min_df=2, max_df=0.5).fit(Xt)
def feats(X): return sparse.hstack([vec.transform(X), cue.transform(X)]).tocsr()
A = feats(Xt)
SPLIT = re.compile(r'[。！？!?；;\n]+|[，,]\s*(?=[^，,]{6,})')
def clauses(t):
    parts = [p for p in re.split(r'[。！？!?；;…~～]+|\s{2,}', t) if len(p.strip()) >= 2]
    # merge comma pieces into windows of ~2
    out = []
    for p in parts:
        sub = [s for s in re.split(r'[，,、 ]', p) if s.strip()]
        for i in range(len(sub)):
            out.append('，'.join(sub[i:i+2]))
    return out or [t]
rank = {g:i for i,g in enumerate(ORDER)}
models = {}
for g in ORDER[:-1]:
    keep = np.array([rank[y] >= rank[g] for y in yt])
    models[g] = LogisticRegression(C=3, class_weight='balanced', max_iter=3000).fit(A[keep], (yt[keep]==g).astype(int))
whole = {g: models[g].predict_proba(feats(Xd))[:,1] for g in models}
cl = [clauses(t) for t in Xd]; flat = [c for cs in cl for c in cs]; owner = np.repeat(np.arange(len(cl)), [len(c) for c in cl])
F = feats(flat)
pool = {}
for g in models:
    pc = models[g].predict_proba(F)[:,1]
    mx = np.zeros(len(cl)); np.maximum.at(mx, owner, pc); pool[g] = mx
def casc(P, th):
    out=[]
    for i in range(len(Xd)):
        lab='perception'
        for g in ORDER[:-1]:
            if P[g][i] >= th[g]: lab=g; break
        out.append(lab)
    return out
for name, P in [('whole', whole), ('clausemax', pool), ('mix', {g: np.maximum(whole[g], pool[g]) for g in models}), ('avg', {g: (whole[g]+pool[g])/2 for g in models})]:
    for t in [0.4, 0.5, 0.6, 0.7]:
        report(f'{name} th{t}', casc(P, {g:t for g in models}))
