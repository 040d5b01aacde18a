from common import *
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from scipy import sparse
from feedback_mining.models.features import CueFeatures
tr = load_train()
Xt, yt = normalize_many(tr.text), tr.gap.values
print(len(tr), pd.Series(yt).value_counts().to_dict())
cue = CueFeatures().fit(Xt)
vec = TfidfVectorizer(analyzer='char', ngram_range=(1,3), sublinear_tf=True, min_df=2, max_df=0.5).fit(Xt)
def feats(X): return sparse.hstack([vec.transform(X), cue.transform(X)]).tocsr()
A = feats(Xt)
rank = {g:i for i,g in enumerate(ORDER)}
models = {}
for g in ORDER[:-1]:
    keep = np.array([rank[y] >= rank[g] for y in yt])
    models[g] = LogisticRegression(C=3, class_weight='balanced', max_iter=3000).fit(A[keep], (yt[keep]==g).astype(int))
tests = ["一汽丰田卡罗拉仪表盘异响4S店不予解决","斯威G05天窗支架断裂4S店不处理","上汽大众途安发动机故障灯亮质保期未解决","北汽新能源EV电池续航里程缩短厂家不解决",
"吉利博越实车变速箱无挡位指示灯","领克01发动机漏油维修后问题加剧","一汽大众迈腾变速箱异响4S店态度恶劣"]
F = feats(normalize_many(tests))
for i,t in enumerate(tests):
    print(t, {g: round(models[g].predict_proba(F[i])[0,1],2) for g in models})
# how many training texts contain 不予解决 / 不处理
for kw in ['不予解决','不处理','未解决','不解决','态度恶劣','维修后','与宣传不符']:
    m = [y for x,y in zip(Xt,yt) if kw in x]
    print(kw, len(m), pd.Series(m).value_counts().to_dict())
