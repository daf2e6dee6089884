"""QTI 2.1 import/export: items and packages, every mapping and rejection, hostile archives, round trip."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.etree import ElementTree

import pytest

from examengine.bank.content import check_item
from examengine.bank.formats import qti21
from examengine.bank.formats.base import MAX_ARCHIVE_MEMBERS, ImportEntry, UnreadableFile

NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
MATCH_CORRECT = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"
MAP_RESPONSE = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"


def item_xml(body: str, declarations: str = "", template: str | None = MATCH_CORRECT,
             title: str = "碳市场", extra: str = "") -> bytes:
    processing = f'<responseProcessing template="{template}"/>' if template else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<assessmentItem xmlns="{NS}" identifier="i1" '
            f'title="{title}" adaptive="false" timeDependent="false">\n{declarations}\n'
            '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>\n'
            f"<itemBody>\n{body}\n</itemBody>\n{processing}{extra}\n</assessmentItem>\n").encode()


def declaration(cardinality: str = "single", correct: tuple[str, ...] = ("B",), mapping: str = "",
                base_type: str = "identifier") -> str:
    values = "".join(f"<value>{v}</value>" for v in correct)
    correct_xml = f"<correctResponse>{values}</correctResponse>" if correct else ""
    return (f'<responseDeclaration identifier="RESPONSE" cardinality="{cardinality}" baseType="{base_type}">'
            f"{correct_xml}{mapping}</responseDeclaration>")


def choice(*texts: str, prompt: str = "", ids: str = "ABCDEFGHIJ") -> str:
    pairs = zip(ids, texts, strict=False)
    choices = "".join(f'<simpleChoice identifier="{i}">{t}</simpleChoice>' for i, t in pairs)
    prompt_xml = f"<prompt>{prompt}</prompt>" if prompt else ""
    return (f'<choiceInteraction responseIdentifier="RESPONSE" shuffle="true" maxChoices="1">{prompt_xml}'
            f"{choices}</choiceInteraction>")


def one(data: bytes, filename: str = "item.xml") -> ImportEntry:
    (entry,) = qti21.parse(data, filename)
    return entry


def codes(entry: ImportEntry) -> list[str]:
    return [m.code for m in entry.messages]


def package(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def manifest(*resources: tuple[str, str]) -> str:
    listed = "".join(f'<resource identifier="R{i}" type="{kind}" href="{href}"><file href="{href}"/>'
                     "</resource>" for i, (kind, href) in enumerate(resources))
    return (f'<?xml version="1.0"?><manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M">'
            f"<organizations/><resources>{listed}</resources></manifest>")


GASES = ("二氧化碳", "甲烷", "氧气", "氧化亚氮", "氮气")


# ---- choice ----------------------------------------------------------------------------------------------

def test_single_choice_with_text_before_prompt_and_image() -> None:
    body = ('<p>全国碳市场是全球覆盖温室气体排放量最大的碳市场。</p><p><img src="img/market.png" alt="交易大厅"/></p>'
            + choice("2020年12月31日", "2021年7月16日", "2024年5月1日", prompt="它于哪一天启动上线交易？",
                     ids=("c1", "c2", "c3")))
    entry = one(item_xml(body, declaration(correct=("c2",))))
    assert entry.location == "item.xml" and codes(entry) == ["IMAGE_LOST"]
    assert entry.data == {
        "type": "single", "title": "碳市场", "stem": "全国碳市场是全球覆盖温室气体排放量最大的碳市场。\n它于哪一天启动上线交易？",
        "options": ["2020年12月31日", "2021年7月16日", "2024年5月1日"], "key": "B", "explanation": "",
        "points": 1.0, "difficulty": 3, "tags": [], "category": "", "source": "QTI 2.1 item.xml",
        "status": "active",
    }
    assert "img/market.png" in entry.messages[0].message and "交易大厅" in entry.messages[0].message
    _, issues = check_item(entry.data, None)
    assert not issues


def test_multiple_response_with_mapping_warns_partial_credit() -> None:
    mapping = ('<mapping lowerBound="0" upperBound="3" defaultValue="0">'
               '<mapEntry mapKey="A" mappedValue="1"/>'
               '<mapEntry mapKey="B" mappedValue="1"/><mapEntry mapKey="D" mappedValue="1"/>'
               '<mapEntry mapKey="C" mappedValue="-1"/></mapping>')
    entry = one(item_xml(choice(*GASES, prompt="下列哪些属于温室气体？"),
                         declaration("multiple", ("D", "A", "B"), mapping), MAP_RESPONSE))
    assert entry.data["type"] == "multi" and entry.data["key"] == ["A", "B", "D"]
    assert entry.data["points"] == 3.0 and codes(entry) == ["PARTIAL_CREDIT_LOST"]


def test_multiple_response_scored_by_match_correct_is_clean() -> None:
    entry = one(item_xml(choice(*GASES, prompt="下列哪些属于温室气体？"), declaration("multiple", ("A", "B", "D"))))
    assert entry.outcome == "imported" and entry.data["key"] == ["A", "B", "D"]


def test_single_mapping_that_only_rewards_the_key_is_not_partial() -> None:
    mapping = '<mapping defaultValue="0"><mapEntry mapKey="B" mappedValue="1"/></mapping>'
    entry = one(item_xml(choice("甲", "乙", "丙"), declaration(mapping=mapping), MAP_RESPONSE))
    assert entry.outcome == "imported"
    partial = ('<mapping defaultValue="0"><mapEntry mapKey="B" mappedValue="1"/>'
               '<mapEntry mapKey="A" mappedValue="0.5"/></mapping>')
    assert codes(one(item_xml(choice("甲", "乙", "丙"), declaration(mapping=partial), MAP_RESPONSE))) == [
        "PARTIAL_CREDIT_LOST"]


def test_key_from_mapping_when_there_is_no_correct_response() -> None:
    mapping = ('<mapping><mapEntry mapKey="C" mappedValue="2"/>'
               '<mapEntry mapKey="A" mappedValue="1"/></mapping>')
    entry = one(item_xml(choice("甲", "乙", "丙"), declaration(correct=(), mapping=mapping), MAP_RESPONSE))
    assert entry.data["key"] == "C" and codes(entry) == ["PARTIAL_CREDIT_LOST"]


@pytest.mark.parametrize(("texts", "correct", "key"), [
    (("对", "错"), "T", True), (("对", "错"), "F", False), (("错误", "正确"), "B", True),
    (("True", "False"), "A", True), (("true", "FALSE"), "B", False),
])
def test_two_choice_true_false_items_become_truefalse(texts: tuple[str, str], correct: str,
                                                      key: bool) -> None:
    ids = "TF" if correct in "TF" else "AB"
    body = choice(*texts, prompt="《碳排放权交易管理暂行条例》自2024年5月1日起施行。", ids=ids)
    entry = one(item_xml(body, declaration(correct=(correct,))))
    assert entry.data["type"] == "truefalse" and entry.data["key"] is key and entry.data["options"] == []
    assert entry.data["stem"] == "《碳排放权交易管理暂行条例》自2024年5月1日起施行。"


def test_two_choices_that_are_not_true_false_stay_single() -> None:
    entry = one(item_xml(choice("配额", "CCER", prompt="全国碳市场的交易标的是？"), declaration(correct=("A",))))
    assert entry.data["type"] == "single" and entry.data["key"] == "A"


@pytest.mark.parametrize(("decl", "code"), [
    (declaration(correct=("Z",)), "KEY_NOT_AN_OPTION"),
    (declaration(correct=()), "NO_CORRECT_ANSWER"),
    (declaration(correct=("A", "B")), "SEVERAL_CORRECT_ANSWERS"),
    (declaration("ordered", ("A",)), "INTERACTION_UNSUPPORTED"),
    ('<responseDeclaration identifier="OTHER" cardinality="single" baseType="identifier"/>',
     "RESPONSE_MISSING"),
])
def test_choice_rejections(decl: str, code: str) -> None:
    entry = one(item_xml(choice("甲", "乙", "丙"), decl))
    assert entry.rejected and entry.data is None and codes(entry) == [code]
    assert entry.messages[0].message.startswith("“碳市场”") and entry.messages[0].message_zh.startswith("“碳市场”：")


def test_more_than_eight_choices_rejected() -> None:
    entry = one(item_xml(choice(*(f"选项{i}" for i in range(9))), declaration(correct=("A",))))
    assert codes(entry) == ["TOO_MANY_OPTIONS"]


def test_markup_feedback_and_hints_are_reported() -> None:
    body = ('<p>甲烷的<strong>GWP</strong>（AR5）<feedbackInline outcomeIdentifier="FEEDBACK" identifier="x" '
            'showHide="show">提示</feedbackInline></p>'
            + choice("25", "28", prompt="是多少？")
            + '<endAttemptInteraction responseIdentifier="HINT" title="提示"/>')
    extra = ('<modalFeedback outcomeIdentifier="FEEDBACK" identifier="y" showHide="show">'
             "AR5为28</modalFeedback>")
    entry = one(item_xml(body, declaration(), extra=extra))
    assert entry.data["stem"] == "甲烷的GWP（AR5）\n是多少？" and entry.data["key"] == "B"
    assert codes(entry) == ["FEEDBACK_LOST", "HTML_CONVERTED"]
    assert "hints, feedback" in entry.messages[0].message and "strong" in entry.messages[1].message


def test_object_fallback_text_is_kept_and_candidate_rubric_shown() -> None:
    body = ('<rubricBlock view="candidate"><p>本题1分。</p></rubricBlock>'
            '<div><object type="image/png" data="chart.png"><p>2021年成交量图</p></object></div>'
            + choice("甲", "乙", prompt="读图回答。"))
    entry = one(item_xml(body, declaration()))
    assert entry.data["stem"] == "本题1分。\n2021年成交量图\n读图回答。" and codes(entry) == ["IMAGE_LOST"]


# ---- extended text and text entry -------------------------------------------------------------------------

def test_extended_text_is_a_draft_short_answer() -> None:
    body = ('<p>阅读材料。</p><extendedTextInteraction responseIdentifier="RESPONSE" expectedLength="200">'
            "<prompt>简述全国碳市场的覆盖范围。</prompt></extendedTextInteraction>")
    entry = one(item_xml(body, declaration(correct=(), base_type="string"), template=None))
    assert codes(entry) == ["SHORT_NEEDS_RUBRIC"]
    assert entry.data["type"] == "short" and entry.data["status"] == "draft" and entry.data["key"] is None
    assert entry.data["stem"] == "阅读材料。\n简述全国碳市场的覆盖范围。" and entry.data["references"] == []
    assert entry.data["points"] == 10.0 and entry.data["rubric"] == []


def test_scorer_rubric_gives_references_and_explanation() -> None:
    body = ('<rubricBlock view="scorer"><div class="references"><p>发电行业</p><p>电力<br/>行业</p></div>'
            '<p>评分：答出发电行业即可。</p></rubricBlock>'
            '<extendedTextInteraction responseIdentifier="RESPONSE"><prompt>首批纳入哪个行业？</prompt>'
            "</extendedTextInteraction>")
    entry = one(item_xml(body, declaration(correct=(), base_type="string"), template=None))
    assert entry.data["references"] == ["发电行业", "电力\n行业"]
    assert entry.data["explanation"] == "评分：答出发电行业即可。" and entry.data["stem"] == "首批纳入哪个行业？"


def test_text_entry_collapses_case_variants_and_warns_on_partial_scores() -> None:
    mapping = ('<mapping defaultValue="0"><mapEntry mapKey="CCER" mappedValue="1"/>'
               '<mapEntry mapKey="ccer" mappedValue="0.5"/><mapEntry mapKey="国家核证自愿减排量" mappedValue="1"/>'
               '<mapEntry mapKey="CER" mappedValue="0"/></mapping>')
    body = ('<p>国家核证自愿减排量的英文缩写是<textEntryInteraction responseIdentifier="RESPONSE" '
            'expectedLength="10"/>。</p>')
    decl = declaration(correct=("CCER",), mapping=mapping, base_type="string")
    entry = one(item_xml(body, decl, MAP_RESPONSE))
    assert entry.data["stem"] == "国家核证自愿减排量的英文缩写是______。"
    assert entry.data["references"] == ["CCER", "国家核证自愿减排量"]
    assert codes(entry) == ["SHORT_NEEDS_RUBRIC", "PARTIAL_CREDIT_LOST"] and entry.data["status"] == "draft"


def test_text_entry_with_equal_mapped_values_keeps_full_credit() -> None:
    mapping = ('<mapping defaultValue="0"><mapEntry mapKey="2021年7月16日" mappedValue="1"/>'
               '<mapEntry mapKey="2021-07-16" mappedValue="1"/></mapping>')
    body = '<p>全国碳市场启动日期：<textEntryInteraction responseIdentifier="RESPONSE"/></p>'
    entry = one(item_xml(body, declaration(correct=(), mapping=mapping, base_type="string"), MAP_RESPONSE))
    assert entry.data["references"] == ["2021年7月16日", "2021-07-16"] and codes(entry) == ["SHORT_NEEDS_RUBRIC"]


# ---- rejected items ------------------------------------------------------------------------------------

@pytest.mark.parametrize("interaction", [
    "matchInteraction", "orderInteraction", "gapMatchInteraction", "hotspotInteraction", "sliderInteraction",
    "uploadInteraction", "inlineChoiceInteraction", "associateInteraction", "hottextInteraction",
    "graphicOrderInteraction", "selectPointInteraction", "drawingInteraction", "customInteraction",
])
def test_other_interactions_rejected(interaction: str) -> None:
    body = f'<p>题干</p><{interaction} responseIdentifier="RESPONSE"><prompt>作答</prompt></{interaction}>'
    entry = one(item_xml(body, declaration()))
    assert entry.rejected and codes(entry) == ["INTERACTION_UNSUPPORTED"]
    assert interaction in entry.messages[0].message


def test_several_interactions_rejected() -> None:
    body = choice("甲", "乙") + '<p>理由：<textEntryInteraction responseIdentifier="R2"/></p>'
    entry = one(item_xml(body, declaration()))
    assert codes(entry) == ["MULTIPLE_INTERACTIONS"] and "choiceInteraction, textEntryInteraction" in (
        entry.messages[0].message)


def test_deeply_nested_markup_rejected() -> None:
    body = "<div>" * 3000 + "深" + "</div>" * 3000 + '<extendedTextInteraction responseIdentifier="RESPONSE"/>'
    entry = one(item_xml(body, declaration(correct=(), base_type="string"), template=None))
    assert codes(entry) == ["XML_TOO_DEEP"]


def test_item_without_interaction_or_with_templates_rejected() -> None:
    assert codes(one(item_xml("<p>只是说明</p>"))) == ["NO_INTERACTION"]
    template = '<templateDeclaration identifier="A" cardinality="single" baseType="integer"/>'
    data = item_xml(choice("甲", "乙"), template + declaration())
    assert codes(one(data)) == ["TEMPLATE_UNSUPPORTED"]


# ---- packages ------------------------------------------------------------------------------------------

GOOD = item_xml(choice(*GASES, prompt="下列哪些属于温室气体？"), declaration("multiple", ("A", "B", "D")))
TF = item_xml(choice("对", "错", prompt="全国碳市场于2021年7月16日启动上线交易。", ids="TF"),
              declaration(correct=("T",)))


def test_package_items_in_manifest_order_with_member_locations() -> None:
    data = package({
        "imsmanifest.xml": manifest(("imsqti_item_xmlv2p1", "items/tf.xml"), ("webcontent", "img/a.png"),
                                    ("imsqti_test_xmlv2p1", "test.xml"),
                                    ("imsqti_item_xmlv2p1", "items/bad.xml"),
                                    ("imsqti_item_xmlv2p1", "items/missing.xml"),
                                    ("imsqti_item_xmlv2p1", "items/%E7%A2%B3.xml"),
                                    ("imsqti_xmlv1p2", "old.xml"),
                                    ("imsqti_item_xmlv2p1", "items/manifest.xml")),
        "items/tf.xml": TF, "items/bad.xml": "<assessmentItem>\n<itemBody>\n</assessmentItem>",
        "items/碳.xml": GOOD, "img/a.png": b"\x89PNG", "test.xml": "<assessmentTest/>",
        "old.xml": "<questestinterop/>",
        "items/manifest.xml": manifest(),
    })
    entries = qti21.parse(data, "bank.zip")
    assert [(e.location, e.outcome, codes(e)) for e in entries] == [
        ("items/tf.xml", "imported", []),
        ("items/bad.xml", "rejected", ["XML_MALFORMED"]),
        ("items/missing.xml", "rejected", ["ITEM_FILE_MISSING"]),
        ("items/碳.xml", "imported", []),
        ("old.xml", "rejected", ["QTI_VERSION_UNSUPPORTED"]),
        ("items/manifest.xml", "rejected", ["NOT_QTI_ITEM"]),
    ]
    assert "line 3" in entries[1].messages[0].message and "第3行" in entries[1].messages[0].message_zh
    assert entries[0].data["key"] is True and entries[0].data["source"] == "QTI 2.1 bank.zip items/tf.xml"
    assert entries[3].data["key"] == ["A", "B", "D"]


def test_manifest_listing_a_file_many_times_reads_it_once() -> None:
    listed = manifest(*[("imsqti_item_xmlv2p1", "a.xml")] * 5000)
    entries = qti21.parse(package({"imsmanifest.xml": listed, "a.xml": GOOD}), "x.zip")
    assert [e.location for e in entries] == ["a.xml"]
    many = manifest(*[("imsqti_item_xmlv2p1", f"missing{i}.xml") for i in range(MAX_ARCHIVE_MEMBERS + 1)])
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(package({"imsmanifest.xml": many}), "x.zip")
    assert caught.value.code == "ZIP_TOO_MANY_MEMBERS"


def test_package_without_manifest_or_not_a_zip() -> None:
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(package({"items/a.xml": GOOD}), "a.zip")
    assert caught.value.code == "MANIFEST_MISSING"
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(b"not a zip at all", "a.zip")
    assert caught.value.code == "ZIP_INVALID"
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(package({"imsmanifest.xml": "<manifest>"}), "a.zip")
    assert caught.value.code == "XML_MALFORMED" and caught.value.location == "imsmanifest.xml"


def test_single_file_that_is_not_an_item() -> None:
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(manifest().encode(), "imsmanifest.xml")
    assert caught.value.code == "NOT_QTI_ITEM"
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(b"<assessmentItem><itemBody>", "x.xml")
    assert caught.value.code == "XML_MALFORMED"


# ---- hostile input -------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE assessmentItem [
  <!ENTITY a "aaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<assessmentItem><itemBody><p>&d;</p></itemBody></assessmentItem>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE assessmentItem [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<assessmentItem><itemBody><p>&secret;</p></itemBody></assessmentItem>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion_laughs", "external_entity"])
def test_hostile_xml_refused_alone_and_in_a_package(data: bytes) -> None:
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(data, "evil.xml")
    assert caught.value.code == "XML_UNSAFE" and "root:" not in str(caught.value)
    listed = manifest(("imsqti_item_xmlv2p1", "a.xml"), ("imsqti_item_xmlv2p1", "b.xml"))
    zipped = package({"imsmanifest.xml": listed, "a.xml": GOOD, "b.xml": data})
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(zipped, "evil.zip")
    assert caught.value.code == "XML_UNSAFE" and caught.value.location == "b.xml"


@pytest.mark.parametrize("name", ["../evil.xml", "items/../../evil.xml", "/etc/evil.xml", "C:/evil.xml",
                                  "..\\evil.xml"])
def test_zip_path_traversal_refused(name: str) -> None:
    data = package({"imsmanifest.xml": manifest(("imsqti_item_xmlv2p1", "a.xml")), "a.xml": GOOD, name: GOOD})
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(data, "evil.zip")
    assert caught.value.code == "ZIP_PATH_TRAVERSAL" and caught.value.message_zh


def test_zip_bomb_by_ratio_refused() -> None:
    data = package({"imsmanifest.xml": manifest(("imsqti_item_xmlv2p1", "a.xml")), "a.xml": GOOD,
                    "filler.xml": b"<a>" + b" " * (8 * 1024 * 1024) + b"</a>"})
    assert len(data) < 100_000
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(data, "bomb.zip")
    assert caught.value.code == "ZIP_BOMB" and "compression ratio" in caught.value.message


def test_zip_bomb_by_total_size_refused() -> None:
    parts = {f"part{i}.bin": bytes(13 * 1024 * 1024) for i in range(4)}  # 52 MB, each part only 1:1000
    data = package({"imsmanifest.xml": manifest(), **parts})
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(data, "bomb.zip")
    assert caught.value.code == "ZIP_BOMB" and "50 MB" in caught.value.message


def test_zip_with_too_many_members_refused() -> None:
    data = package({"imsmanifest.xml": manifest(), **{f"f{i}.txt": "" for i in range(MAX_ARCHIVE_MEMBERS)}})
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(data, "many.zip")
    assert caught.value.code == "ZIP_TOO_MANY_MEMBERS"


def test_zip_that_lies_about_its_member_count_is_still_counted() -> None:
    data = bytearray(package({f"f{i}.txt": "" for i in range(MAX_ARCHIVE_MEMBERS + 5)}))
    at = data.rfind(b"PK\x05\x06")
    data[at + 8:at + 12] = (1).to_bytes(2, "little") * 2  # claim one member
    with pytest.raises(UnreadableFile) as caught:
        qti21.parse(bytes(data), "liar.zip")
    assert caught.value.code == "ZIP_TOO_MANY_MEMBERS"


# ---- export ----------------------------------------------------------------------------------------------

ITEMS: list[dict[str, Any]] = [
    {"code": "mkt-001", "type": "single", "stem": "全国碳排放权交易市场于哪一天启动上线交易？",
     "options": ["2020年12月31日", "2021年7月16日", "2021年2月1日", "2024年5月1日"], "key": "B",
     "explanation": "全国碳市场于2021年7月16日启动上线交易。", "points": 1.0},
    {"code": "mkt-002", "type": "multi", "stem": "下列哪些属于温室气体？\n（多选）", "options": list(GASES),
     "key": ["A", "B", "D"], "explanation": "", "points": 2.0},
    {"code": "law-001", "type": "truefalse", "stem": "《碳排放权交易管理暂行条例》自2024年5月1日起施行。",
     "options": [], "key": True, "explanation": "", "points": 1.0},
    {"code": "law-002", "type": "truefalse", "stem": "IPCC AR5中甲烷的100年GWP为25。", "options": [], "key": False,
     "explanation": "AR5为28。", "points": 1.0},
    {"code": "acc-001", "type": "short", "stem": "按IPCC AR5，甲烷的100年GWP是多少？说明 <依据> & 出处。",
     "options": [], "key": None, "references": ["28", "二十八\n（100年尺度）"], "explanation": "第五次评估报告",
     "points": 10.0},
    {"code": "acc-001", "type": "short", "stem": "论述全国碳市场的作用。", "options": [], "key": None,
     "references": [], "explanation": "", "points": 5.0},
]


def test_round_trip_keeps_type_stem_options_key_and_references() -> None:
    entries = qti21.parse(qti21.export(ITEMS), "bank.zip")
    assert len(entries) == len(ITEMS)
    for item, entry in zip(ITEMS, entries, strict=True):
        for name in ("type", "stem", "options", "key", "explanation", "points"):
            assert entry.data[name] == item[name], (item["code"], name)
        if item["type"] == "short":
            assert entry.data["references"] == item["references"] and entry.data["status"] == "draft"
        assert entry.data["title"] == item["code"]
    assert [e.outcome for e in entries] == ["imported"] * 4 + ["warning"] * 2
    assert [e.location for e in entries] == ["items/mkt-001.xml", "items/mkt-002.xml", "items/law-001.xml",
                                             "items/law-002.xml", "items/acc-001.xml", "items/acc-001-6.xml"]


def test_export_package_layout() -> None:
    data = qti21.export(ITEMS)
    assert data == qti21.export(ITEMS)  # deterministic
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist()[0] == "imsmanifest.xml"
    root = ElementTree.fromstring(archive.read("imsmanifest.xml"))
    resources = root.findall(".//{http://www.imsglobal.org/xsd/imscp_v1p1}resource")
    assert {r.get("type") for r in resources} == {"imsqti_item_xmlv2p1"}
    assert [r.get("href") for r in resources] == archive.namelist()[1:]
    tf = ElementTree.fromstring(archive.read("items/law-002.xml"))
    assert tf.tag == f"{{{NS}}}assessmentItem"
    choices = [(c.get("identifier"), c.text) for c in tf.iter(f"{{{NS}}}simpleChoice")]
    assert choices == [("T", "对"), ("F", "错")]
    assert tf.find(f"{{{NS}}}responseDeclaration/{{{NS}}}correctResponse/{{{NS}}}value").text == "F"
    assert tf.find(f"{{{NS}}}responseProcessing").get("template") == MATCH_CORRECT
    short = ElementTree.fromstring(archive.read("items/acc-001.xml"))
    assert short.find(f"{{{NS}}}responseProcessing") is None
    (rubric,) = short.iter(f"{{{NS}}}rubricBlock")
    assert rubric.get("view") == "scorer"
    multi = ElementTree.fromstring(archive.read("items/mkt-002.xml"))
    assert multi.find(f"{{{NS}}}responseDeclaration").get("cardinality") == "multiple"
    assert [v.text for v in multi.iter(f"{{{NS}}}value") if v.text != "0"] == ["A", "B", "D"]


def test_export_identifiers_are_safe_file_names() -> None:
    items = [dict(ITEMS[0], code="碳市场/01"), dict(ITEMS[0], code="1st"), dict(ITEMS[0], code="")]
    names = zipfile.ZipFile(io.BytesIO(qti21.export(items))).namelist()
    assert names == ["imsmanifest.xml", "items/____01.xml", "items/item0002-1st.xml", "items/item0003.xml"]
    assert [e.outcome for e in qti21.parse(qti21.export(items), "x.zip")] == ["imported"] * 3


def test_export_rejects_unknown_types() -> None:
    with pytest.raises(ValueError, match="order"):
        qti21.export([{"type": "order", "stem": "x"}])
