"""Near-duplicate detection."""

from examengine.bank.duplicates import DuplicateIndex, all_pairs, item_text

TEXTS = {
    "a": item_text("全国碳排放权交易市场正式启动上线交易的日期是（  ）。", ["2021年2月1日", "2021年7月16日", "2021年12月31日"]),
    "b": item_text("全国碳排放权交易市场正式启动上线交易的日期为（ ）", ["2021年2月1日", "2021年7月16日", "2021年12月31日"]),
    "c": item_text("甲烷在IPCC第五次评估报告中的100年全球变暖潜势为（  ）。", ["21", "25", "28", "34"]),
    "d": item_text("下列气体中属于《京都议定书》管控的温室气体的有（  ）。", ["二氧化碳", "甲烷", "氧化亚氮", "一氧化碳"]),
}


def test_item_text_folds_width_case_and_punctuation():
    assert item_text("ＣＯ２ 排放（  ）。", ["Ａ"]) == item_text("co2排放", ["a"])


def test_all_pairs_finds_the_reworded_copy_only():
    pairs = all_pairs(list(TEXTS), list(TEXTS.values()), 0.9)
    assert [(p.a, p.b) for p in pairs] == [("a", "b")]
    assert 0.9 <= pairs[0].score <= 1.0
    assert all_pairs(list(TEXTS), list(TEXTS.values()), 0.999) == []


def test_index_checks_a_new_text_against_existing_items():
    index = DuplicateIndex(list(TEXTS), list(TEXTS.values()))
    hits = index.similar(TEXTS["b"], 0.9, exclude="b")
    assert [h.b for h in hits] == ["a"]
    assert index.similar(item_text("完全不同的一道关于碳足迹核算的题目", []), 0.9) == []
