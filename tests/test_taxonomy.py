"""The taxonomy file is data: loaded, validated, and the rules baseline follows precedence."""
from __future__ import annotations

import pytest
import yaml

from feedback_mining.errors import UserError
from feedback_mining.models.taxonomy import default_taxonomy_path, load_taxonomy


def test_shipped_taxonomy_has_the_five_gaps_in_precedence_order():
    tax = load_taxonomy()
    assert tax.codes == ["promotion", "behavior", "process", "understanding", "perception"]
    assert [tax.zh(c) for c in tax.codes] == ["促销差距", "行为差距", "程序差距", "理解差距", "感受差距"]
    assert tax.fallback == "perception"


@pytest.mark.parametrize("text,gap", [
    ("变速箱顿挫异响", "perception"),
    ("变速箱异响，4S店说这是公司规定不予保修", "process"),
    ("电池续航掉了一半，厂家不解决", "process"),  # the maker's non-response (codebook: 不予处理)
    ("变速箱换了两次还是异响，维修后未解决", "behavior"),  # a failed repair is the workshop's act
    ("宣传有L2辅助驾驶，实车没有，服务顾问态度恶劣", "promotion"),
    ("服务顾问态度恶劣，爱理不理", "behavior"),
    ("車窗升降開關設計不合理，下雨天進水", "understanding"),
    # a star rating the hotel claims is a promise (the codebook's 「网上写四星，实际像招待所」) …
    ("作为一家四星级酒店，卫生间小得转不开身", "promotion"),
    ("根本不够五星的标准，地毯又脏又潮", "promotion"),
    ("這也叫三星的？熱水時有時無", "promotion"),
    # … the phone brand is not
    ("三星手机充电发烫，用了两天就黑屏", "perception"),
    # an online shop's after-sales rules and an order still missing after a long wait are process …
    ("刚买三天就降价，申请价保被拒", "process"),
    ("页面写着支持7天无理由，拆了包装就不给退", "promotion"),  # … unless the page promised it
    ("雙十一買的，到現在還沒到貨", "process"),
    ("车险续保价格又涨了三成", "perception"),  # 续保价格 is no 保价
    # a basic accessory left out of the product is understanding
    ("一千多的手机居然不附带充电头", "understanding"),
])
def test_rules_follow_the_codebook_precedence(text, gap):
    assert load_taxonomy().rules_label(text) == gap


def _write(tmp_path, data):
    p = tmp_path / "t.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def _base():
    return yaml.safe_load(default_taxonomy_path().read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d.update(colour="red"), "unknown keys: colour"),
    (lambda d: d["labels"][0].update(colour="red"), "unknown keys: colour"),
    (lambda d: d["labels"][1].update(code="promotion"), "duplicate code 'promotion'"),
    (lambda d: d["labels"][2].update(cues=[]), "cues"),
    (lambda d: d["labels"][3].update(precedence=1), "precedence 1 is used twice"),
    (lambda d: d["labels"][0].pop("zh"), "missing zh"),
])
def test_invalid_taxonomies_give_one_clear_error(tmp_path, mutate, message):
    data = _base()
    mutate(data)
    with pytest.raises(UserError, match=message) as exc:
        load_taxonomy(_write(tmp_path, data))
    assert "\n" not in str(exc.value)


def test_analysts_can_add_a_label(tmp_path):
    data = _base()
    data["labels"].append({"code": "pricing", "zh": "价格差距", "en": "pricing gap", "precedence": 6,
                           "cues": ["乱涨价", "价格欺诈"], "definition": "价格相关"})
    tax = load_taxonomy(_write(tmp_path, data))
    assert tax.codes[-1] == "pricing" and tax.fingerprint() != load_taxonomy().fingerprint()
