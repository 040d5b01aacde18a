from common import *
from feedback_mining.models.taxonomy import load_taxonomy
from sklearn.metrics import classification_report
tax = load_taxonomy()
Xd = normalize_many(dev.text)
p = tax.rules_labels(Xd)
report('rules', p)
print(classification_report(dev.gap, p, digits=3))
# which cue fired for each class (precision per cue)
import collections
stats = collections.defaultdict(lambda: [0,0])
for t, g in zip(Xd, dev.gap):
    for code, cues in tax.match_cues(t).items():
        for c in cues: stats[(code,c)][0]+=1; stats[(code,c)][1]+= (g==code)
for (code,c),(n,k) in sorted(stats.items(), key=lambda kv:-kv[1][0])[:60]:
    print(code, c, n, k)
