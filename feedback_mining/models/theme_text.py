"""Text preparation for themes: content words, adjacent-word phrases and a vocabulary that fits the batch.

>>> theme_documents(["骑手送餐超时，汤都洒了"])
([['骑手', '送餐超时']], [['骑手送餐超时']])

Personal-data placeholders (<手机号> …) and masking leftovers (***, XX) are cut out of the text
before segmentation, so they never become a theme word; a clause boundary is left in their
place so that no phrase spans them.
"""
from __future__ import annotations

import re
from functools import lru_cache

from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from ..text.privacy import PII_PLACEHOLDERS
from ..text.tokenizer import Tokenizer, segment_many
from .ctfidf import identity

__all__ = ["ThemeTokenizer", "ThemeDocuments", "strip_masks", "content_word", "words_and_phrases", "theme_documents", "default_theme_vectorizer",
           "min_df_for", "with_subwords", "meaningful_chars", "letters_only", "MASK_LEFTOVER", "SUBWORD_BELOW"]

# Numbers and quantities (两个, 三天, 第二次, 100块) say nothing about a theme.
_QUANTITY = re.compile(r"^[第]?[0-9零一二三四五六七八九十百千万两几半多每]+[个次天年月周日号小时分钟秒块元毛件台辆份条位家遍回趟层楼点斤公里米瓶箱张]*[多余来半]?$")
_ALNUM = re.compile(r"[^\W_]")  # letters and digits, any script
#: Placeholders written by masking (ours and the usual spellings of other tools) and what masking leaves behind.
MASK_LEFTOVER = re.compile(
    "|".join(re.escape(p) for p in PII_PLACEHOLDERS.values())
    + r"|<[^<>\s]{1,10}>|\[[A-Z_]{2,20}\]|\*{2,}|＊{2,}|(?<![A-Za-z])[xX×]{2,}(?![A-Za-z])|某某"
)
_NEGATION_START = frozenset("不没未无别")
#: Longest phrase (in characters) offered as a name: longer ones read as sentences.
MAX_PHRASE_CHARS = 6


def strip_masks(text: str) -> str:
    """The text with placeholders and masking leftovers replaced by a clause boundary.

    >>> strip_masks("打<手机号>没人接，XX店的***经理")
    '打，没人接，，店的，经理'
    """
    return MASK_LEFTOVER.sub("，", text) if ("<" in text or "*" in text or "x" in text.lower() or "某" in text
                                            or "[" in text or "×" in text or "＊" in text) else text


_NON_ALNUM = re.compile(r"[\W_]+")


def letters_only(text: str) -> str:
    """Letters and digits only (placeholders out, lower case): what character profiles compare.

    >>> letters_only("退款<手机号>，太慢！！😡")
    '退款 太慢 '
    """
    return _NON_ALNUM.sub(" ", strip_masks(text)).lower()


def meaningful_chars(text: str, cap: int) -> int:
    """Letters and digits in ``text``, counted up to ``cap`` (emoji, punctuation and spaces do not count)."""
    count = 0
    for _ in _ALNUM.finditer(text):
        count += 1
        if count >= cap:
            break
    return count


@lru_cache(maxsize=500_000)
def content_word(token: str, min_len: int = 2) -> bool:
    """English words of ≥ 3 letters; other words of ≥ ``min_len`` characters that are not quantities."""
    if token.isascii():
        return token.isalpha() and len(token) >= 3
    return len(token) >= min_len and not _QUANTITY.match(token) and _ALNUM.search(token) is not None


class ThemeTokenizer:
    """Content words for themes: segmented words minus stopwords, single characters, numbers and placeholders.

    >>> ThemeTokenizer()("客服<手机号>一直打不通，退款三天没到账")
    ['客服', '不通', '退款', '没到']
    """

    def __init__(self, tokenizer: Tokenizer | None = None, min_len: int = 2):
        self.tokenizer = tokenizer
        self.min_len = min_len

    def base(self) -> Tokenizer:
        """The segmenter (stopwords kept, so that phrases can be found); made per call, cheaply."""
        if self.tokenizer is not None:
            return self.tokenizer
        return Tokenizer(stopwords=None, normalize=False)

    def stopwords(self) -> frozenset[str]:
        return Tokenizer(stopwords="default")._get_stop()

    def keep(self, token: str) -> bool:
        return content_word(token, self.min_len)

    def __call__(self, text: str) -> list[str]:
        stop = self.stopwords()
        return [t for t in self.base()(strip_masks(text)) if t not in stop and self.keep(t)]

    def __eq__(self, other):
        return isinstance(other, ThemeTokenizer) and (self.tokenizer, self.min_len) == (other.tokenizer, other.min_len)

    def __hash__(self):
        return hash((self.tokenizer, self.min_len))


def words_and_phrases(text: str, tokens: list[str], keep=None, stop=frozenset()) -> tuple[list[str], list[str]]:
    """Content words of ``tokens`` and the phrases of 2–3 tokens adjacent in ``text``.

    ``keep(token)`` says whether a token is a content word (default: all are); a phrase joins
    content words, single non-stopword characters next to a negated word (打 + 不通 → 打不通,
    没到 + 账 → 没到账), evaluative characters after the word they judge (态度 + 差 → 态度差) and
    at most one function word between two of its tokens (送餐 + 也 + 太慢 → 送餐也太慢,
    ``BRIDGE_WORDS``); it holds at least one content word. Adjacent means nothing else between the
    tokens in the text (no other stopword, punctuation or space), so a phrase is always a literal
    substring of the complaint; it has at most ``MAX_PHRASE_CHARS`` characters.

    >>> words_and_phrases("骑手送餐超时，打不通电话", ["骑手", "送餐", "超时", "打", "不通", "电话"], lambda t: len(t) > 1)
    (['骑手', '送餐', '超时', '不通', '电话'], ['骑手送餐', '骑手送餐超时', '送餐超时', '打不通', '打不通电话', '不通电话'])
    """
    words: list[str] = []
    phrases: list[str] = []
    low = text.lower()
    source = text if len(low) == len(text) else low  # a phrase is cut from the text as written (APP, not app)
    pos = 0
    run: list[tuple[str, bool, int]] = []  # the adjacent tokens just before this one that may enter a phrase
    run_end = -1
    for tok in tokens:
        at = low.find(tok, pos)
        if at < 0:  # a token the segmenter rewrote: no adjacency across it
            run = []
            continue
        is_word = keep is None or keep(tok)
        if is_word:
            words.append(tok)
        joins = is_word or (len(tok) == 1 and tok not in stop and not tok.isascii()) or tok in BRIDGE_WORDS
        if not joins or at != run_end:
            run = []
        pos = at + len(tok)
        if joins:
            run = (run + [(tok, is_word, at)])[-3:]
            for start in range(len(run) - 1):
                part = run[start:]
                if (any(w for _, w, _ in part) and pos - part[0][2] <= MAX_PHRASE_CHARS and _bridged_ok(part)
                        and _complements_ok(part)):
                    phrases.append(source[part[0][2]:pos])
        run_end = pos
    return words, phrases


#: Single characters that judge the word before them: 态度 + 差, 分量 + 少, 送餐 + 慢, 价格 + 贵.
EVALUATIVE_CHARS = frozenset("差慢小贵少脏吵硬咸淡凉冷烂旧臭破短晚乱薄软漏坏")
#: Function words a phrase may hold one of, between two of its words: 送餐 + 也 + 太慢, 分量 + 太 + 少.
BRIDGE_WORDS = frozenset("太 很 也 都 又 还 真 特别 非常 有点 比较".split())


def _bridged_ok(part: list[tuple[str, bool, int]]) -> bool:
    """At most one function word, never first or last: 「送餐也太慢」, not 「也太慢」 or 「送餐也」."""
    bridges = [i for i, (tok, is_word, _) in enumerate(part) if not is_word and tok in BRIDGE_WORDS]
    return not bridges or (len(bridges) == 1 and 0 < bridges[0] < len(part) - 1)


def _complements_ok(part: list[tuple[str, bool, int]]) -> bool:
    """A single character only joins a negated word next to it (打 + 不通, 没到 + 账, not 异响 + 修)
    or, if it is evaluative, the content word just before it (态度 + 差 → 态度差)."""
    for i, (tok, is_word, _) in enumerate(part):
        if not is_word and tok not in BRIDGE_WORDS:
            beside = [part[j][0] for j in (i - 1, i + 1) if 0 <= j < len(part)]
            judged = i > 0 and tok in EVALUATIVE_CHARS and (part[i - 1][1] or part[i - 1][0] in BRIDGE_WORDS)
            if not judged and not any(b[0] in _NEGATION_START and len(b) > 1 for b in beside):
                return False
    return True


class ThemeDocuments:
    """Complaints segmented once for themes: content words of all, phrases of those asked for.

    >>> docs = ThemeDocuments(["客服一直打不通，退款没到账"])
    >>> docs.words[0], docs.phrases([0])[0]
    (['客服', '不通', '退款', '没到'], ['打不通', '退款没到', '退款没到账', '没到账'])

    ``tokenizer`` is a :class:`ThemeTokenizer` (default) or any callable text → content words.
    Phrases are found on demand: naming needs them for a sample, not for every complaint.
    """

    def __init__(self, texts: list[str], tokenizer=None, n_jobs: int | None = None):
        tok = tokenizer if tokenizer is not None else ThemeTokenizer()
        self.cleaned = [strip_masks(t) for t in texts]
        if isinstance(tok, ThemeTokenizer):
            base = tok.base()
            many = len(self.cleaned) > 8000
            self.tokens = segment_many(self.cleaned, base, n_jobs=n_jobs) if many else [base(t) for t in self.cleaned]
            self.stop, min_len = tok.stopwords(), tok.min_len
            kept: dict[str, bool] = {}
            for toks in self.tokens:  # each distinct token judged once
                for t in toks:
                    if t not in kept:
                        kept[t] = t not in self.stop and content_word(t, min_len)
            self.keep = kept.__getitem__
            self.words = [[t for t in toks if kept[t]] for toks in self.tokens]
        else:
            self.tokens = [list(tok(t)) for t in self.cleaned]
            self.stop, self.keep = frozenset(), None
            self.words = self.tokens

    def phrases(self, indices) -> list[list[str]]:
        """The adjacent-word phrases of the complaints at ``indices`` (see :func:`words_and_phrases`)."""
        return [words_and_phrases(self.cleaned[i], self.tokens[i], self.keep, self.stop)[1] for i in indices]


def theme_documents(texts: list[str], tokenizer=None, n_jobs: int | None = None) -> tuple[list[list[str]], list[list[str]]]:
    """Per complaint: its content words and its adjacent-word phrases (placeholders cut out first).

    >>> theme_documents(["4S店服务顾问不专业，发动机异响修了三次"])
    ([['4S店', '服务顾问', '不专业', '发动机', '异响']], [['发动机异响']])
    """
    docs = ThemeDocuments(texts, tokenizer, n_jobs)
    return docs.words, docs.phrases(range(len(texts)))


def with_subwords(words: list[str]) -> list[str]:
    """Words plus the character pairs inside words of ≥ 3 characters (服务态度 → 服务, 务态, 态度).

    On a small batch two complaints rarely share a whole word; the pairs inside them link
    「不给退款」 to 「退款慢」. Used when fewer than ``SUBWORD_BELOW`` complaints are clustered.
    """
    out = list(words)
    for w in words:
        if len(w) >= 3 and not w.isascii():
            out.extend("#" + w[i:i + 2] for i in range(len(w) - 1))
    return out


#: Batches smaller than this get sub-word pairs as extra clustering features.
SUBWORD_BELOW = 2000


def min_df_for(n: int) -> int:
    """The document-frequency cut-off for ``n`` complaints: 2 below 1,000, 3 below 5,000, then 5.

    A word must occur in at least this many complaints to be a clustering feature: enough to
    drop typos and one-off names on a big batch without emptying the vocabulary of a small one.
    """
    return 2 if n < 1000 else 3 if n < 5000 else 5


def default_theme_vectorizer(method: str = "mixture", n: int = 30_000):
    """The vectorizer for a method and batch size, over pre-tokenized documents (lists of features).

    mixture: feature present/absent; nmf / kmeans: sublinear TF-IDF. Features must occur in
    ≥ :func:`min_df_for` (n) complaints and at most half of them (TF-IDF on ≥ 1,000 complaints: 30 %).
    """
    if method == "mixture":
        return CountVectorizer(analyzer=identity, binary=True, min_df=min_df_for(n), max_df=0.5, max_features=50_000)
    # On a big batch a word in 30 % of complaints is generic; on a small one a theme's own word can be.
    return TfidfVectorizer(analyzer=identity, sublinear_tf=True, min_df=min_df_for(n), max_df=0.3 if n >= 1000 else 0.5,
                           max_features=50_000)
