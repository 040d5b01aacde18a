from common import *
import time, itertools, sys
from feedback_mining.models.gap import GapClassifier
tr = load_train()
Xt, yt = normalize_many(tr.text), tr.gap.values
Xd = normalize_many(dev.text)
configs = [dict(), dict(clause_pooling=False), dict(label_prior='corpus'), dict(C=10), dict(C=1), dict(cue_weight=0.3)]
for cfg in configs:
    t=time.time(); m = GapClassifier(**cfg).fit(Xt, yt)
    p = m.predict_proba(Xd); pred = m.classes_[p.argmax(1)]
    report(str(cfg), pred)
    top=p.max(1); acc = top>=m.review_threshold_
    print(f"   fit {time.time()-t:.0f}s thr {m.review_threshold_} oof {m.review_stats_['accepted_share']:.2f}/{m.review_stats_['accepted_accuracy']:.3f} dev accepted {acc.mean():.2f} acc_on_accepted {(pred[acc]==dev.gap.values[acc]).mean():.3f}", flush=True)
