from common import *
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from scipy import sparse
from feedback_mining.models.features import CueFeatures
tr = load_train()
Xt, yt = normalize_many(tr.text), tr.gap.values
Xd = normalize_many(dev.text)
cue = CueFeatures().fit(Xt)
vec = TfidfVectorizer(analyzer='char', ngram_range=(1,3), sublinear_tf=True, min_df=2, max_df=0.5)
def feats(X, fit=False):
    V = vec.fit_transform(X) if fit else vec.transform(X)
    return sparse.hstack([V, cue.transform(X)]).tocsr()
A = feats(Xt, True); B = feats(Xd)
# flat baseline
m = LogisticRegression(C=10, class_weight='balanced', max_iter=3000).fit(A, yt); report('flat lr bal', m.predict(B))
# cascade
rank = {g:i for i,g in enumerate(ORDER)}
P = {}
for g in ORDER[:-1]:
    keep = np.array([rank[y] >= rank[g] for y in yt])
    yy = (yt[keep] == g).astype(int)
    for C in [3, 10]:
        clf = LogisticRegression(C=C, class_weight='balanced', max_iter=3000).fit(A[keep], yy)
        P[(g,C)] = clf.predict_proba(B)[:,1]
for C in [3,10]:
    for th in [0.5, 0.6, 0.7]:
        pred = []
        for i in range(B.shape[0]):
            lab = 'perception'
            for g in ORDER[:-1]:
                if P[(g,C)][i] >= th: lab = g; break
            pred.append(lab)
        report(f'cascade C{C} th{th}', pred)
