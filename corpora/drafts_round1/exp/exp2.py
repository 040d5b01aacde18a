import sys, numpy as np, pandas as pd, warnings
warnings.filterwarnings('ignore')
sys.path.insert(0, '/work/main')
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, classification_report, confusion_matrix
from scipy import sparse
from feedback_mining.text.normalize import normalize_many
from feedback_mining.models.features import CueFeatures
old = pd.read_csv('/work/main/corpora/complaints_labeled.csv', dtype=str, keep_default_na=False)
new = pd.read_csv('/work/scratch/corpus/merged.csv', dtype=str, keep_default_na=False)
dev = pd.read_csv('/work/shared/devset/gap_dev.csv', dtype=str, keep_default_na=False)
tr = pd.concat([old, new])
Xt, yt = normalize_many(tr.text), tr.gap.values
Xd, yd = normalize_many(dev.text), dev.gap.values
cue = CueFeatures().fit(Xt)
vec = TfidfVectorizer(analyzer='char', ngram_range=(1,3), sublinear_tf=True, min_df=2, max_df=0.5)
A = sparse.hstack([vec.fit_transform(Xt), cue.transform(Xt)]).tocsr(); B = sparse.hstack([vec.transform(Xd), cue.transform(Xd)]).tocsr()
m = LogisticRegression(C=10, class_weight='balanced', max_iter=3000).fit(A, yt)
p = m.predict(B)
labs=['understanding','process','behavior','promotion','perception']
print(classification_report(yd, p, labels=labs, digits=3))
print(pd.DataFrame(confusion_matrix(yd,p,labels=labs),index=labs,columns=labs))
dev['pred']=p
for s in ['auto_12365','shopping_review']:
    d=dev[(dev.source==s)&(dev.gap!=dev.pred)]
    print('=====', s, len(d))
    for _,r in d.head(40).iterrows(): print(f"  gold {r.gap:13s} pred {r.pred:13s} {r.text[:70]}")
