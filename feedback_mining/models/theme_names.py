"""Theme names a manager can read: what the theme is about and its problem, in 2–3 terms that occur in its complaints.

>>> words = [["快递", "物流", "太慢"], ["快递", "客服", "电话"], ["快递", "物流", "太慢"], ["酒店", "房间", "隔音"], ["酒店", "房间", "前台"]]
>>> phrases = [["物流太慢"], ["客服电话"], ["物流太慢"], ["房间隔音"], ["房间隔音"]]
>>> PhraseNamer().fit(words, phrases, [0, 0, 0, 1, 1]).names_[0]
['快递', '物流太慢']

Candidates are the content words and adjacent-word phrases of each complaint (see
:func:`~feedback_mining.models.theme_text.words_and_phrases`). They are scored by class-based
TF-IDF over complaints (as in BERTopic, with the class frequency normalized by the theme's
size): the share of the theme's complaints that contain the term times ``log(1 + lift)``,
``lift`` being that share over the share of all complaints that contain it. The name is picked
greedily, each next term best covering the theme's complaints not yet covered (a set cover
weighted by distinctiveness): first ``max_terms − 1`` terms in ≥ ``min_share`` of the theme
(usually words: they say what the theme is about and reach most of it), then one phrase of ≥ 2
words in ≥ ``phrase_min_share`` of it (the problem: 物流太慢, 设施陈旧, 配送员态度), a word
only when no phrase is that frequent. A phrase covers fewer complaints than its words, so a
phrase-only name would describe a fraction of the theme (on the shopping negatives: 0.34 of
complaints vs 0.46). Generic words (孩子, 我家, 师傅, 不行, 失望 …), stop phrases, praise or
hedges (味道不错, 怀疑是不是), terms of a single complaint (a brand or a place mentioned once)
and terms already used in another theme's name are never picked.
"""
from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from .ctfidf import identity

__all__ = ["PhraseNamer", "GENERIC_TERMS", "STOP_PHRASES", "representatives"]

#: Words that are in every kind of complaint and say nothing a manager can act on.
GENERIC_TERMS = frozenset("""
孩子 小孩 宝宝 儿子 女儿 老人 老公 老婆 我家 家里 家人 朋友 同事 师傅 老板 别人 人家 客人 顾客 客户 消费者 用户 买家 卖家 商家 亲们
不行 不好 太差 很差 真差 差评 好评 中评 垃圾 失望 很失望 太失望 不满 不满意 满意 不错 一般 还行 还好 很好 挺好 推荐 不推荐 后悔 无语
郁闷 生气 气人 恶心 坑人 坑爹 差劲 糟糕 离谱 过分 太坑 垃圾桶 心情 体验 印象 感受 评价 评论 总体 整体 总之 总的来说
东西 问题 情况 事情 感觉 时间 地方 方面 样子 原因 办法 解决 反映 希望 要求 需要 告诉 回答 真是 实在 根本 完全 居然 竟然 简直 每次
这次 上次 下次 第一次 好几次 多次 半天 当时 后来 以后 之后 今天 昨天 一天 两天 几天 一下 一直 已经 还是 只能 不能 不会 不想 不要
不到 不了 不是 没有 没什么 一点 有点 有些 特别 非常 真的 而且 但是 可是 不过 因为 所以 结果 最后 开始 本来 出来 起来 回来 下来
知道 觉得 发现 以为 看到 看看 说明 表示 购买 买了 收到 下单 商品 产品 宝贝 店家 卖的 价格便宜 性价比 京东 淘宝 网上
明明 实际 实际上 有人 没人 投诉 反映 联系 处理 回复 说法 态度 服务 一句 一个月 一个星期 一周
全是 是不是 天天 说好 店里 这家 那家 告知 员工 打电话 准备 不敢 差点 一股 没考虑 怎么办 凭什么 到底 只好 说是 还说 就说
不值 至今 提供 不知道 为什么 怎么 一样 以前 下次 还有
存在 必须 不同 不如 不太 不太好 一般般 不怎么样 没有一点 出现 出现很多 提示 方便 不爽 使用 严重 一颗
""".split())
#: Phrases that read like a verdict, not a cause.
STOP_PHRASES = frozenset("""
非常失望 太失望了 再也不 不会再 以后不 再也不买 不会再买 千万别买 千万不要 强烈建议 建议大家 大家注意 不值得 不值这个价 给差评 必须差评
补充点评 怀疑是不是 没什么意思
""".split())


#: Endings that make a phrase praise or a hedge, not a problem (「味道不错」, 「怀疑是不是」), unless negated before.
PRAISE_ENDINGS = ("不错", "很好", "挺好", "很快", "满意", "好吃", "喜欢", "还行", "还好", "一般", "是不是", "可以")


#: A phrase in a name must name a problem: hold one of these (「物流太慢」「设施陈旧」「不看备注」
#: 「配送员态度」「屏幕碎了」); a phrase without one is a situation or a thing (「孩子上网」「一到夏天」
#: 「两地来回跑」「写得清清楚楚」), and a word tells a manager as much. (theme_text.EVALUATIVE_CHARS, the
#: characters that join the word they judge, are marks too — but for 小, which phrases hold as 小区/小时.)
PROBLEM_MARKS = re.compile(r"[不没未无别差慢坏破旧脏吵臭错漏少缺贵假乱难烂冷凉硬软咸淡晚短薄粗糙霉馊锈裂卡死掉断碎鼓烧焦糊堵停丢骂]"
                           r"|超时|超期|延误|拖延|太[大长多久远高重]|态度|故障|异响|问题|质量|投诉|隐患|失灵|扣费|收费|加价|涨价|退款|推诿|虚假|虚标|欺骗")


def _eligible(term: str, words: frozenset[str], stop_terms: frozenset[str]) -> bool:
    """A word that is not generic; a phrase that is no stop phrase, not made of generic words only
    (「垃圾垃圾垃圾」, 「不太好使用」), not one word repeated and no praise (「味道不错」, not 「不怎么好吃」)."""
    if term in stop_terms or term in STOP_PHRASES:
        return False
    if term in words:
        return True
    ending = next((e for e in PRAISE_ENDINGS if term.endswith(e)), None)
    if ending and not any(ch in "不没未别" for ch in term[: -len(ending)]):
        return False
    if any(len(term) % n == 0 and term == term[:n] * (len(term) // n) for n in range(1, len(term) // 2 + 1)):
        return False
    if term[-1] in "的得地":  # a phrase cut before what it describes (「冬天冷得」)
        return False
    # can the phrase be cut into generic words only? (prefix ends reachable through generic words)
    reach = {0}
    for end in range(1, len(term) + 1):
        if any(start in reach and term[start:end] in stop_terms for start in range(end)):
            reach.add(end)
    return len(term) not in reach


class PhraseNamer:
    """Name themes by class-based TF-IDF over words and adjacent-word phrases (see the module).

    Parameters
    ----------
    max_terms, min_terms : a name has at most ``max_terms`` key phrases, and at least
        ``min_terms`` when the theme has that many eligible ones.
    min_share : a name term occurs in at least this share of the theme's complaints (and in
        at least 2 of them, unless the theme is a single complaint).
    phrase_min_share : the problem phrase (≥ 2 words) occurs in at least this share (and in ≥ 2).
    phrase_weight : multiplies the score of a phrase (two words), which reads better than a
        single word (「送餐超时」 vs 「送餐」).
    stop_terms : extra generic words to keep out of names (added to ``generic_terms``).
    generic_terms : the generic words (default :data:`GENERIC_TERMS`; pass your own set to allow
        e.g. 京东 when the platform itself is what you compare).
    top : how many distinctive terms to keep per theme in ``terms_``.
    """

    def __init__(self, max_terms: int = 3, min_terms: int = 2, min_share: float = 0.05, phrase_min_share: float = 0.01,
                 phrase_weight: float = 1.5, stop_terms=None, generic_terms=None, top: int = 10):
        self.max_terms, self.min_terms = max_terms, min_terms  # name length
        self.min_share, self.phrase_min_share = min_share, phrase_min_share  # which terms qualify
        self.phrase_weight = phrase_weight  # what a phrase weighs against a word
        self.stop_terms, self.generic_terms = stop_terms, generic_terms  # words kept out of names
        self.top = top

    def _validate(self) -> None:
        if not 1 <= self.min_terms <= self.max_terms:
            raise ValueError("need 1 ≤ min_terms ≤ max_terms")
        if not 0 <= self.min_share < 1 or self.phrase_weight <= 0:
            raise ValueError("need 0 ≤ min_share < 1 and phrase_weight > 0")

    def fit(self, words: list[list[str]], phrases: list[list[str]], labels, ignore=(-1,)) -> "PhraseNamer":
        """``words`` and ``phrases`` per complaint, ``labels`` their themes; fills ``names_`` and ``terms_``."""
        self._validate()
        stop = frozenset(GENERIC_TERMS if self.generic_terms is None else self.generic_terms) | frozenset(self.stop_terms or ())
        labels = np.asarray(list(labels))
        keep = ~np.isin(labels, list(ignore))
        docs = [set(w) | set(p) for w, p, k in zip(words, phrases, keep) if k]
        labs = labels[keep]
        self.names_, self.terms_ = {}, {}
        if not len(docs) or not any(docs):
            return self
        cv = CountVectorizer(analyzer=identity, binary=True, min_df=1 if len(docs) < 1000 else 2)
        X = sp.csr_matrix(cv.fit_transform(docs))
        vocab = cv.get_feature_names_out()
        known_words = frozenset(w for ws in words for w in ws)
        is_phrase = np.array([t not in known_words for t in vocab], dtype=bool)
        ok = np.array([_eligible(str(t), known_words, stop) for t in vocab], dtype=bool)
        problem = np.array([bool(PROBLEM_MARKS.search(str(t))) for t in vocab], dtype=bool)
        ok &= ~is_phrase | problem  # a phrase in a name names a problem; a situation (「一到夏天」) is left to words
        classes, sizes = np.unique(labs, return_counts=True)
        df = np.asarray(X.sum(0)).ravel()
        overall = np.maximum(df, 1) / len(docs)  # share of all complaints that contain the term
        weight = np.where(is_phrase, self.phrase_weight, 1.0)
        index = {str(t): j for j, t in enumerate(vocab)}
        free = np.ones(len(vocab), dtype=bool)  # not yet in another theme's name
        not_stop = np.ones(len(vocab), dtype=bool)
        not_stop[[index[t] for t in STOP_PHRASES if t in index]] = False
        for c in classes[np.argsort(-sizes, kind="stable")]:  # the biggest theme picks first
            rows = X[labs == c]
            n_c = rows.shape[0]
            df_c = np.asarray(rows.sum(0)).ravel()
            idf = np.log1p(df_c / n_c / overall)  # log(1 + lift): how much likelier in this theme than overall
            score = df_c / n_c * idf
            order = np.argsort(-score, kind="stable")
            self.terms_[c] = [(str(vocab[j]), float(score[j])) for j in order[: self.top] if df_c[j] > 0]
            floor = 1 if n_c == 1 else max(2, int(np.ceil(self.min_share * n_c)))
            # The name reaches min_terms with eligible terms in fewer complaints if it must (at least
            # two). A theme whose complaints share no eligible term (a grab-bag of a small batch) is
            # named by what its complaints say one by one (「一股霉味 / CPU发热量」 tells more than
            # 「不好 / 服务」); generic words only when there is nothing else (「一般！一般！」).
            # What the theme is about first (covering terms, usually words: 快递, 客服), then its problem
            # as a phrase of ≥ 2 words (物流太慢); a word again only when no phrase is frequent enough.
            phrase_floor = 1 if n_c == 1 else max(2, int(np.ceil(self.phrase_min_share * n_c)))
            name = self._pick(rows, idf * weight, ok & (df_c >= floor) & free, vocab, n_c, limit=max(1, self.max_terms - 1))
            name = self._pick(rows, idf * weight, ok & is_phrase & (df_c >= phrase_floor) & free, vocab, n_c, name,
                              fill=True)  # a problem phrase even when the words already cover every complaint
            name = self._pick(rows, idf * weight, ok & (df_c >= floor) & free, vocab, n_c, name)
            if len(name) < self.min_terms:
                name = self._pick(rows, idf * weight, ok & (df_c >= min(2, n_c)) & free, vocab, n_c, name, self.min_terms)
            for allowed in (ok & (df_c >= 1), not_stop & (df_c >= 1)):
                if not name:
                    name = self._pick(rows, idf * weight, allowed & free, vocab, n_c)
            self.names_[c] = name
            free[[index[t] for t in name]] = False
        return self

    def _pick(self, rows: sp.csr_matrix, idf: np.ndarray, allowed: np.ndarray, vocab, n_c: int, chosen=(),
              limit: int | None = None, fill: bool = False) -> list[str]:
        """Greedy: each next term best covers the complaints the chosen ones miss (distinctiveness-weighted).

        Starts from the terms already ``chosen`` and stops at ``limit`` (default ``max_terms``) terms,
        or, unless ``fill``, once ``min_terms`` are chosen and no term covers a complaint more.
        """
        chosen = list(chosen)
        limit = self.max_terms if limit is None else limit
        uncovered = np.ones(n_c, dtype=bool)
        allowed = allowed.copy()
        for term in chosen:
            j = int(np.flatnonzero(vocab == term)[0])
            uncovered &= ~(rows[:, j].toarray().ravel() > 0)
            still = np.flatnonzero(allowed)
            allowed[still[[str(vocab[i]) in term or term in str(vocab[i]) for i in still]]] = False
        while len(chosen) < limit and allowed.any():
            gain = np.asarray(rows[uncovered].sum(0)).ravel() if uncovered.any() else np.zeros(rows.shape[1])
            score = np.where(allowed, gain / n_c * idf, -1.0)
            j = int(np.argmax(score))
            if score[j] <= 0 and len(chosen) >= self.min_terms and not fill:
                break
            if score[j] < 0:
                break
            if score[j] == 0:  # nothing new covered: the most distinctive remaining term still completes the name
                full = np.asarray(rows.sum(0)).ravel()
                j = int(np.argmax(np.where(allowed, full / n_c * idf, -1.0)))
            term = str(vocab[j])
            chosen.append(term)
            uncovered &= ~(rows[:, j].toarray().ravel() > 0)
            # neither a part nor an extension of a chosen term: 「送餐超时」 makes 「送餐」 redundant
            still = np.flatnonzero(allowed)
            allowed[still[[str(vocab[i]) in term or term in str(vocab[i]) for i in still]]] = False
        return chosen


def representatives(texts: list[str], members: np.ndarray, phrases: list[str], centrality: np.ndarray, n: int = 3,
                    gaps=None, dominant_gap: str = "") -> np.ndarray:
    """The ``n`` members that best show the name: most name phrases, then readable, then of the dominant gap, then most central.

    Texts of 8–150 characters read best on a slide and are preferred; duplicates are skipped.
    """
    if not len(members):
        return members
    hits = np.array([sum(p in texts[i] for p in phrases) for i in members])
    same_gap = np.zeros(len(members)) if gaps is None or not dominant_gap else (gaps[members] == dominant_gap).astype(float)
    lengths = np.array([len(texts[i]) for i in members])
    readable = ((lengths >= 8) & (lengths <= 150)).astype(float)
    order = np.lexsort((-centrality, -same_gap, -readable, -hits))
    out, seen = [], set()
    for r in order:
        i = members[r]
        if texts[i] in seen:
            continue
        seen.add(texts[i])
        out.append(i)
        if len(out) == n:
            break
    return np.array(out, dtype=int)
