from common import *
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from scipy import sparse
from feedback_mining.models.features import CueFeatures
from feedback_mining.models.gapmodel import split_clauses
from feedback_mining.text.tokenizer import Tokenizer
tr = load_train()
Xt, yt = normalize_many(tr.text), tr.gap.values
Xd = normalize_many(dev.text)
tok = Tokenizer(normalize=False)
cue = CueFeatures().fit(Xt)
cvec = TfidfVectorizer(analyzer='char', ngram_range=(1,3), sublinear_tf=True, min_df=2, max_df=0.5).fit(Xt)
wvec = TfidfVectorizer(analyzer=lambda t: (lambda w: w + [a+' '+b for a,b in zip(w, w[1:])])(tok(t)), sublinear_tf=True, min_df=2, max_df=0.5).fit(Xt)
def feats(X, words, nb=None):
    parts = [cvec.transform(X)]
    if words: parts.append(wvec.transform(X))
    parts.append(cue.transform(X))
    return sparse.hstack(parts).tocsr()
rank = {g:i for i,g in enumerate(ORDER)}
cl, owner = split_clauses(Xd)
def run(name, words, C=3, nb=False):
    A = feats(Xt, words); B = feats(Xd, words); F = feats(cl, words)
    P = {}
    for g in ORDER[:-1]:
        keep = np.array([rank[y] >= rank[g] for y in yt]); yy = (yt[keep]==g).astype(int)
        Ak = A[keep]
        if nb:
            p = np.asarray(Ak[yy==1].sum(0)).ravel()+1; q = np.asarray(Ak[yy==0].sum(0)).ravel()+1
            r = np.log((p/p.sum())/(q/q.sum())); D = sparse.diags(r)
            Ak, Bg, Fg = Ak@D, B@D, F@D
        else: Bg, Fg = B, F
        m = LogisticRegression(C=C, class_weight='balanced', solver='liblinear').fit(Ak, yy)
        pw = m.predict_proba(Bg)[:,1]; pc = m.predict_proba(Fg)[:,1]
        best = np.zeros(len(Xd)); np.maximum.at(best, owner, pc); has = np.unique(owner)
        pw[has] = (pw[has]+best[has])/2; P[g]=pw
    pred=[]
    for i in range(len(Xd)):
        lab='perception'
        for g in ORDER[:-1]:
            if P[g][i]>=0.5: lab=g; break
        pred.append(lab)
    report(name, pred)
run('chars', False)
run('chars+words', True)
run('chars nb', False, nb=True)
run('chars+words nb', True, nb=True)
run('chars+words C1', True, C=1)
run('chars+words C10', True, C=10)
