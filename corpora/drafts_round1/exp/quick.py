import pandas as pd, numpy as np, sys
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, accuracy_score
c = pd.read_csv('/work/main/corpora/complaints_labeled.csv', dtype=str, keep_default_na=False)
d = pd.read_csv('/work/shared/devset/gap_dev.csv', dtype=str, keep_default_na=False)
vec = TfidfVectorizer(analyzer='char', ngram_range=(1,3), sublinear_tf=True, min_df=2, max_df=0.5)
X = vec.fit_transform(c.text); Xd = vec.transform(d.text)
for name, m in [('svc bal', LinearSVC(C=1, class_weight='balanced')), ('svc', LinearSVC(C=1)), ('lr bal', LogisticRegression(C=10, class_weight='balanced', max_iter=2000))]:
    m.fit(X, c.gap); p = m.predict(Xd)
    print(name, round(f1_score(d.gap, p, average='macro'),3), round(accuracy_score(d.gap,p),3),
      {s: round(f1_score(d.gap[d.source==s], p[d.source==s], average='macro'),3) for s in d.source.unique()})
