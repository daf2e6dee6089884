"""IMS QTI 2.1 import and export (pure: no Flask, no SQLAlchemy).

Import takes one assessmentItem file or an IMS content package (a zip whose imsmanifest.xml lists resources
of type imsqti_item_xmlv2p1); a package entry's location is its member path. An item with one choice,
extended-text or text-entry interaction maps to our types; anything else is rejected with a stable code.

Export writes a content package: imsmanifest.xml and items/<id>.xml per item. What QTI has no place for
(short-answer references, the explanation) goes into a rubricBlock view="scorer", which candidates never
see and which the import reads back.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from examengine.bank.formats.base import (
    MAX_ARCHIVE_MEMBERS,
    MAX_FILE_BYTES,
    MAX_UNPACKED_BYTES,
    ImportEntry,
    UnreadableFile,
)

# One hardened XML loader and one HTML-to-text layout serve every XML format.
from examengine.bank.formats.moodle_xml import (
    BLOCK_TAGS,
    MEDIA_TAGS,
    SIMPLE_TAGS,
    PlainText,
    item_name,
    load_xml,
    local,
    media_name,
)
from examengine.bank.itemtypes import LETTERS, get_type
from examengine.bank.itemtypes.base import clean_text

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
MATCH_CORRECT = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"
ITEM_RESOURCE_TYPES = ("imsqti_item_xmlv2p1", "imsqti_item_xmlv2p2")  # 2.2 items read the same way

MAX_RATIO = 100                 # deflated XML rarely exceeds 20:1; a bomb is typically 1000:1
RATIO_MIN_BYTES = 1024 * 1024   # small members may compress well without being a threat
BLANK = "______"

SUPPORTED = ("choiceInteraction", "extendedTextInteraction", "textEntryInteraction")
FEEDBACK_TAGS = frozenset({"feedbackBlock", "feedbackInline"})
SILENT_TAGS = frozenset({"templateBlock", "templateInline", "printedVariable", "endAttemptInteraction"})
TRUTH = {"对": True, "错": False, "正确": True, "错误": False, "true": True, "false": False}
_UNPACK_ERRORS = (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, zlib.error, OSError)


# ---- archive -----------------------------------------------------------------------------------------------

def _member_count(data: bytes) -> int | None:
    """Members counted in the central directory before zipfile builds an object for each (a crafted archive
    of 400,000 empty members would cost memory); the walk stops once past the limit."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or at + 22 > len(data):
        return None
    declared, directory_size = struct.unpack("<HI", data[at + 10:at + 16])  # 0xFFFF (zip64): too many
    count, position = 0, at - directory_size  # where zipfile looks for the directory too
    while count <= MAX_ARCHIVE_MEMBERS and 0 <= position <= at - 46 \
            and data[position:position + 4] == b"PK\x01\x02":
        name, extra, comment = struct.unpack("<HHH", data[position + 28:position + 34])
        position += 46 + name + extra + comment
        count += 1
    return max(declared, count)


def _unsafe_name(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(re.match(r"[A-Za-z]:", path)) or ".." in path.split("/")


def _open_archive(data: bytes) -> zipfile.ZipFile:
    too_many = UnreadableFile("ZIP_TOO_MANY_MEMBERS",
                              f"the package has more than {MAX_ARCHIVE_MEMBERS} files",
                              f"压缩包内文件超过{MAX_ARCHIVE_MEMBERS}个")
    count = _member_count(data)
    if count is not None and count > MAX_ARCHIVE_MEMBERS:
        raise too_many
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFile("ZIP_INVALID", "the file is not a readable zip archive",
                             "文件不是有效的zip压缩包") from exc
    infos = archive.infolist()
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        raise too_many
    for info in infos:
        if _unsafe_name(info.filename):
            raise UnreadableFile("ZIP_PATH_TRAVERSAL",
                                 f"member {info.filename!r} has an absolute path or '..'",
                                 f"压缩包成员“{info.filename}”使用绝对路径或“..”，拒绝处理", info.filename)
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise UnreadableFile("ZIP_BOMB", f"the package unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB",
                             f"压缩包解压后超过{MAX_UNPACKED_BYTES // 2**20} MB")
    for info in infos:
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableFile("ZIP_BOMB", f"member {info.filename!r} has a suspicious compression ratio",
                                 f"压缩包成员“{info.filename}”压缩比异常", info.filename)
    # zipfile never returns more than a member's declared size (checked above) and checks its CRC.
    return archive


# ---- import ------------------------------------------------------------------------------------------------

def parse(data: bytes, filename: str = "") -> list[ImportEntry]:
    """Entries for a single item file or for every item a content package lists."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile("FILE_TOO_LARGE", f"the file is larger than {MAX_FILE_BYTES // 2**20} MB",
                             f"文件超过{MAX_FILE_BYTES // 2**20} MB")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")) or filename.lower().endswith(".zip"):
        return _parse_package(data, filename)
    root = load_xml(data)
    if local(root.tag) != "assessmentItem":
        raise UnreadableFile("NOT_QTI_ITEM", f"the root element is <{local(root.tag)}>, not a QTI 2.1 "
                             "<assessmentItem> (upload a content package as its .zip)",
                             f"根元素是<{local(root.tag)}>而不是QTI 2.1的<assessmentItem>（内容包请上传zip文件）")
    return [_ItemReader(root, ImportEntry(filename or "item", None), filename).read()]


def _parse_package(data: bytes, filename: str) -> list[ImportEntry]:
    archive = _open_archive(data)
    members = {posixpath.normpath(i.filename.replace("\\", "/")): i
               for i in archive.infolist() if not i.is_dir()}
    manifest = next((i for name, i in members.items() if name.lower() == "imsmanifest.xml"), None)
    if manifest is None:
        raise UnreadableFile("MANIFEST_MISSING", "the package has no imsmanifest.xml at its root",
                             "压缩包根目录下没有imsmanifest.xml")
    try:
        manifest_root = load_xml(archive.read(manifest))
    except UnreadableFile as exc:
        raise UnreadableFile(exc.code, f"imsmanifest.xml: {exc.message}", f"imsmanifest.xml：{exc.message_zh}",
                             "imsmanifest.xml") from exc
    except _UNPACK_ERRORS as exc:
        raise UnreadableFile("ZIP_INVALID", "imsmanifest.xml cannot be unpacked",
                             "无法解压imsmanifest.xml") from exc
    resources = _item_resources(manifest_root)
    if len(resources) > MAX_ARCHIVE_MEMBERS:  # more items than the package may hold files
        raise UnreadableFile("ZIP_TOO_MANY_MEMBERS",
                             f"the manifest lists more than {MAX_ARCHIVE_MEMBERS} items",
                             f"清单列出的试题超过{MAX_ARCHIVE_MEMBERS}道", "imsmanifest.xml")
    return [_member_entry(archive, members, kind, path, filename) for kind, path in resources]


def _item_resources(manifest: Element) -> list[tuple[str, str]]:
    """(resource type, member path) of each item resource in manifest order; tests and web content skipped.
    A file listed twice is read once, so a manifest cannot make us parse one large member many times."""
    found: dict[str, tuple[str, str]] = {}
    base = manifest.get(XML_BASE, "")
    for resources in _children(manifest, "resources"):
        resources_base = posixpath.join(base, resources.get(XML_BASE, ""))
        for resource in _children(resources, "resource"):
            kind = resource.get("type", "")
            if not (kind.startswith("imsqti_item_") or kind == "imsqti_xmlv1p2"):
                continue
            href = resource.get("href") or next((f.get("href", "") for f in _children(resource, "file")), "")
            path = posixpath.join(resources_base, resource.get(XML_BASE, ""), unquote(href))
            path = posixpath.normpath(path) if href else ""
            found.setdefault(path, (kind, path))
    return list(found.values())


def _member_entry(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], kind: str, path: str,
                  filename: str) -> ImportEntry:
    entry = ImportEntry(path or "imsmanifest.xml", None)
    info = members.get(path)
    if kind not in ITEM_RESOURCE_TYPES:
        entry.reject("QTI_VERSION_UNSUPPORTED", f"resource type {kind} is not QTI 2.1",
                     f"资源类型{kind}不是QTI 2.1，不支持")
    elif info is None:
        entry.reject("ITEM_FILE_MISSING", f"the manifest lists {path or 'a resource without href'}, "
                     "which is not in the package", f"清单列出的文件“{path}”不在压缩包中")
    else:
        return _read_member(archive, info, entry, f"{filename} {path}")
    return entry


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, entry: ImportEntry,
                 where: str) -> ImportEntry:
    try:
        root = load_xml(archive.read(info))
    except UnreadableFile as exc:
        if exc.code == "XML_UNSAFE":  # a hostile member makes the whole package hostile
            raise UnreadableFile(exc.code, f"{entry.location}: {exc.message}",
                                 f"{entry.location}：{exc.message_zh}", entry.location) from exc
        entry.reject(exc.code, exc.message, exc.message_zh)  # e.g. XML_MALFORMED: the other items go on
        return entry
    except _UNPACK_ERRORS:
        entry.reject("ZIP_MEMBER_UNREADABLE", "the file cannot be unpacked (corrupt or encrypted)",
                     "该文件无法解压（已损坏或已加密）")
        return entry
    if local(root.tag) != "assessmentItem":
        entry.reject("NOT_QTI_ITEM", f"the root element is <{local(root.tag)}>, not <assessmentItem>",
                     f"根元素是<{local(root.tag)}>而不是<assessmentItem>")
        return entry
    return _ItemReader(root, entry, where).read()


def _children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [e for e in element if local(e.tag) == name]


def _child(element: Element | None, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def _map_entries(mapping: Element | None) -> list[tuple[str, float]]:
    entries = _children(mapping, "mapEntry")
    return [(e.get("mapKey", ""), _float(e.get("mappedValue")) or 0.0) for e in entries]


@dataclass
class _Mapping:
    entries: list[tuple[str, float]]
    default: float
    upper: float | None


@dataclass
class _ItemReader:
    """Reads one assessmentItem into its entry; what the mapping loses is reported once, at the end."""

    root: Element
    entry: ImportEntry
    where: str  # the file (and member) for data["source"], as the other importers give it
    media: list[str] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)
    feedback: list[str] = field(default_factory=list)

    # -- messages --------------------------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return clean_text(self.root.get("title") or self.root.get("identifier") or "")

    def reject(self, code: str, message: str, message_zh: str) -> None:
        self.entry.reject(code, f"“{self.title}”: {message}", f"“{self.title}”：{message_zh}")
        self.entry.data = None

    def warn(self, code: str, message: str, message_zh: str) -> None:
        if not any(m.code == code for m in self.entry.messages):
            self.entry.warn(code, f"“{self.title}”: {message}", f"“{self.title}”：{message_zh}")

    def partial_lost(self) -> None:
        self.warn("PARTIAL_CREDIT_LOST",
                  "partial scores in the response mapping are not kept; the section's scoring rule applies",
                  "映射中的部分得分未保留，按试卷大题的计分规则评分")

    def lose(self, kind: str) -> None:
        if kind not in self.feedback:
            self.feedback.append(kind)

    def report_losses(self) -> None:
        if self.feedback:
            zh = "、".join({"feedback": "反馈", "hints": "提示"}[k] for k in self.feedback)
            self.warn("FEEDBACK_LOST", f"not imported: {', '.join(self.feedback)}", f"未导入：{zh}")
        if self.dropped:
            tags = ", ".join(sorted(self.dropped))
            self.warn("HTML_CONVERTED", f"formatting converted to plain text (dropped: {tags})",
                      f"格式已转为纯文本（丢弃：{tags}）")
        if self.media:
            shown = ", ".join(self.media[:3]) + (" ..." if len(self.media) > 3 else "")
            self.warn("IMAGE_LOST", f"{len(self.media)} image(s)/media dropped: {shown}",
                      f"已丢弃{len(self.media)}个图片/媒体：{shown}")

    # -- text ------------------------------------------------------------------------------------------------
    def plain(self, element: Element, interaction: Element | None = None) -> str:
        out = PlainText()
        self._content(element, out, interaction)
        return out.text()

    def _content(self, element: Element, out: PlainText, interaction: Element | None) -> None:
        if element.text:
            out.data(element.text)
        for child in element:
            self._node(child, out, interaction)

    def _node(self, element: Element, out: PlainText, interaction: Element | None) -> None:
        tag = local(element.tag)
        if element is interaction:
            self._interaction_text(element, out)
        elif tag in MEDIA_TAGS:
            self.media.append(media_name(tag, element.get("src") or element.get("data"), element.get("alt")))
            if tag == "object":  # its fallback content is the text meant for when it cannot be shown
                self._content(element, out, interaction)
        elif tag == "br":
            out.br()
        elif tag == "rubricBlock":
            if "candidate" in (element.get("view") or "").split():
                self._block(element, out, interaction)
        elif tag in FEEDBACK_TAGS:
            self.lose("feedback")
        elif tag == "math":
            self.dropped.add("math")
            out.data(" ".join("".join(element.itertext()).split()))
        elif tag not in SILENT_TAGS:
            if tag not in SIMPLE_TAGS:
                self.dropped.add(tag)
            if tag in BLOCK_TAGS:
                self._block(element, out, interaction)
            else:
                self._content(element, out, interaction)
        if element.tail:
            out.data(element.tail)

    def _block(self, element: Element, out: PlainText, interaction: Element | None) -> None:
        out.block()
        self._content(element, out, interaction)
        out.block()

    def _interaction_text(self, interaction: Element, out: PlainText) -> None:
        if local(interaction.tag) == "textEntryInteraction":  # an inline blank in the sentence
            out.data(BLANK)
            return
        out.block()
        prompt = _child(interaction, "prompt")
        if prompt is not None:
            self._content(prompt, out, None)
        out.block()

    # -- the item --------------------------------------------------------------------------------------------
    def read(self) -> ImportEntry:
        if _children(self.root, "templateDeclaration"):
            self.reject("TEMPLATE_UNSUPPORTED", "items with template variables (cloned items) are not "
                        "supported", "不支持含模板变量的题目（克隆题）")
        else:
            try:
                self._read_body()
            except RecursionError:  # the text walk recurses; real items nest a few levels, not hundreds
                self.reject("XML_TOO_DEEP", "the item's markup is nested too deeply", "题目标记嵌套层级过深")
        return self.entry

    def _read_body(self) -> None:
        body = _child(self.root, "itemBody")
        found = [e for e in body.iter() if local(e.tag).endswith("Interaction")] if body is not None else []
        if any(local(e.tag) == "endAttemptInteraction" for e in found):
            self.lose("hints")  # adaptive items end an attempt to ask for a hint
        interactions = [e for e in found if local(e.tag) != "endAttemptInteraction"]
        names = [local(e.tag) for e in interactions]
        if body is None or not interactions:
            self.reject("NO_INTERACTION", "the item has no interaction", "题目中没有作答交互")
        elif len(interactions) > 1:
            self.reject("MULTIPLE_INTERACTIONS",
                        f"the item has {len(names)} interactions ({', '.join(names)}); one is supported",
                        f"该题含{len(names)}个作答交互（{', '.join(names)}），每题只能有一个")
        elif names[0] not in SUPPORTED:
            self.reject("INTERACTION_UNSUPPORTED", f"{names[0]} is not supported", f"不支持{names[0]}类型的交互")
        else:
            declaration = next((d for d in _children(self.root, "responseDeclaration")
                                if d.get("identifier") == interactions[0].get("responseIdentifier")), None)
            if declaration is None:
                self.reject("RESPONSE_MISSING", "the interaction has no responseDeclaration",
                            "交互缺少responseDeclaration")
            else:
                self._finish(body, interactions[0], declaration)

    def _finish(self, body: Element, interaction: Element, declaration: Element) -> None:
        stem = self.plain(body, interaction)
        references, notes = self._scorer_notes(body)
        if local(interaction.tag) == "choiceInteraction":
            data = self._choice(interaction, declaration)
        else:
            data = self._short(interaction, declaration, references)
        if data is None:
            return
        if any(clean_text("".join(f.itertext())) for f in _children(self.root, "modalFeedback")):
            self.lose("feedback")
        data.update({"title": self.title, "stem": stem, "explanation": "\n\n".join(notes), "difficulty": 3,
                     "tags": [], "category": "", "source": f"QTI 2.1 {self.where}".strip(),
                     "points": self._points(data["type"], declaration)})
        self.entry.data = data
        self.report_losses()

    def _scorer_notes(self, body: Element) -> tuple[list[str], list[str]]:
        """References from <div class="references"> (one per <p>); the rest scorers see is explanation."""
        references: list[str] = []
        notes: list[str] = []
        for block in body.iter():
            if local(block.tag) != "rubricBlock" or "scorer" not in (block.get("view") or "").split():
                continue
            for part in block:
                if "references" in (part.get("class") or "").split():
                    references += [t for t in (self.plain(p) for p in _children(part, "p")) if t]
                elif text := self.plain(part):
                    notes.append(text)
        return references, notes

    def _match_correct(self) -> bool:
        processing = _child(self.root, "responseProcessing")
        template = (processing.get("template") or "") if processing is not None else ""
        return template.removesuffix(".xml").rstrip("/").endswith("/match_correct")

    def _mapping(self, declaration: Element) -> _Mapping | None:
        """The response mapping, when scoring uses it (match_correct ignores it)."""
        node = _child(declaration, "mapping")
        if node is None or self._match_correct():
            return None
        return _Mapping(_map_entries(node), _float(node.get("defaultValue")) or 0.0,
                        _float(node.get("upperBound")))

    def _correct(self, declaration: Element) -> list[str]:
        values = _children(_child(declaration, "correctResponse"), "value")
        return [clean_text(v.text) for v in values if clean_text(v.text)]

    def _points(self, type_code: str, declaration: Element) -> float:
        """SCORE's normalMaximum (as we export), else the mapping's upper bound, else the template's."""
        outcomes = _children(self.root, "outcomeDeclaration")
        score = next((o for o in outcomes if o.get("identifier") == "SCORE"), None)
        mapping = self._mapping(declaration)
        for candidate in (_float(score.get("normalMaximum")) if score is not None else None,
                          mapping.upper if mapping else None):
            if candidate is not None and candidate > 0:
                return candidate
        if self._match_correct() and type_code != "short":
            return 1.0
        return get_type(type_code).default_points

    def _choice(self, interaction: Element, declaration: Element) -> dict[str, Any] | None:
        cardinality = declaration.get("cardinality")
        choices = _children(interaction, "simpleChoice")
        if cardinality not in ("single", "multiple"):
            self.reject("INTERACTION_UNSUPPORTED",
                        f"a choice with {cardinality} cardinality is not supported",
                        f"不支持基数为{cardinality}的选择题")
            return None
        if len(choices) > len(LETTERS):
            self.reject("TOO_MANY_OPTIONS", f"{len(choices)} choices: at most {len(LETTERS)} are allowed",
                        f"共{len(choices)}个选项，最多允许{len(LETTERS)}个")
            return None
        ids = [c.get("identifier", "") for c in choices]
        options = [self.plain(c) for c in choices]
        mapping = self._mapping(declaration)
        correct = self._correct(declaration) or _mapped_keys(mapping, cardinality)
        unknown = [v for v in correct if v not in ids]
        if not correct or unknown:
            shown = ", ".join(unknown)
            self.reject("KEY_NOT_AN_OPTION" if unknown else "NO_CORRECT_ANSWER",
                        f"the correct response ({shown or 'none'}) is not among the choices",
                        f"正确答案（{shown or '无'}）不在选项中")
            return None
        positions = sorted({ids.index(v) for v in correct})
        if cardinality == "multiple":
            if mapping is not None:  # map_response scores each choice: partial credit by design
                self.partial_lost()
            return {"type": "multi", "options": options, "key": [LETTERS[i] for i in positions],
                    "status": "active"}
        return self._single(options, positions, mapping, correct)

    def _single(self, options: list[str], positions: list[int], mapping: _Mapping | None,
                correct: list[str]) -> dict[str, Any] | None:
        if len(positions) != 1:
            self.reject("SEVERAL_CORRECT_ANSWERS", "a single-response item lists several correct values",
                        "单选题给出了多个正确答案")
            return None
        if mapping is not None and (mapping.default or any(v for k, v in mapping.entries if k != correct[0])):
            self.partial_lost()
        truth = _truefalse_key(options, positions[0])
        if truth is not None:
            return {"type": "truefalse", "options": [], "key": truth, "status": "active"}
        return {"type": "single", "options": options, "key": LETTERS[positions[0]], "status": "active"}

    def _short(self, interaction: Element, declaration: Element, references: list[str]) -> dict[str, Any]:
        self.warn("SHORT_NEEDS_RUBRIC",
                  "imported as a draft short-answer item: add the scoring points (rubric)",
                  "已作为简答题草稿导入：请补充评分要点")
        candidates = references + self._correct(declaration)
        if local(interaction.tag) == "textEntryInteraction":
            # Accepted spellings are references even when scoring ignores the mapping.
            entries = _map_entries(_child(declaration, "mapping"))
            candidates += [k for k, v in sorted(entries, key=lambda kv: -kv[1]) if v > 0]
            mapping = self._mapping(declaration)
            if mapping is not None and len({v for _, v in mapping.entries} | ({mapping.default} - {0.0})) > 1:
                self.partial_lost()  # spellings scored differently, e.g. York 1, york 0.5
        return {"type": "short", "options": [], "key": None, "references": _collapse_case(candidates),
                "rubric": [], "status": "draft"}


def _mapped_keys(mapping: _Mapping | None, cardinality: str | None) -> list[str]:
    """Without a correctResponse the mapping says what scores: the best value (single), every positive one."""
    positive = [(k, v) for k, v in (mapping.entries if mapping else []) if v > 0]
    if cardinality == "single" and positive:
        return [max(positive, key=lambda kv: kv[1])[0]]
    return [k for k, _ in positive]


def _collapse_case(texts: list[str]) -> list[str]:
    """'York', 'york' -> 'York': graders read references, they do not need every spelling."""
    seen: set[str] = set()
    out = []
    for text in (clean_text(t) for t in texts):
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out


def _truefalse_key(options: list[str], correct: int) -> bool | None:
    """A two-choice 对/错 (or True/False) item is true/false; its key is the truth of the correct choice."""
    truths = [TRUTH.get(o.strip().casefold()) for o in options]
    if len(truths) != 2 or None in truths or truths[0] == truths[1]:
        return None
    return truths[correct]


# ---- export ------------------------------------------------------------------------------------------------

def export(items: list[dict[str, Any]]) -> bytes:
    """An IMS content package (zip bytes): imsmanifest.xml and one assessmentItem file per item."""
    used: set[str] = set()
    files: list[tuple[str, str, bytes]] = []
    for number, item in enumerate(items, 1):
        identifier = _identifier(item, number, used)
        path = f"items/{identifier}.xml"
        files.append((identifier, path, _item_xml(item, identifier)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_zip_info("imsmanifest.xml"), _manifest_xml([(i, p) for i, p, _ in files]))
        for _, path, content in files:
            archive.writestr(_zip_info(path), content)
    return buffer.getvalue()


def _zip_info(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=(2000, 1, 1, 0, 0, 0))  # fixed, so equal items give equal bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _identifier(item: dict[str, Any], number: int, used: set[str]) -> str:
    """The bank id made a QTI identifier (and a safe file name), unique within the package."""
    raw = re.sub(r"[^A-Za-z0-9_.-]", "_", item_name(item))
    identifier = raw if re.match(r"[A-Za-z_]", raw) else f"item{number:04d}" + (f"-{raw}" if raw else "")
    if identifier in used:
        identifier = f"{identifier}-{number}"
    used.add(identifier)
    return identifier


def _serialise(root: Element) -> bytes:
    indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode() + b"\n"


def _lines(parent: Element, text: Any) -> Element:
    """Plain text as inline content: line breaks become <br/>."""
    first, *rest = clean_text(text).split("\n")
    parent.text = first
    for line in rest:
        SubElement(parent, "br").tail = line
    return parent


def _manifest_xml(resources: list[tuple[str, str]]) -> bytes:
    root = Element("manifest", {"xmlns": CP_NS, "xmlns:xsi": XSI_NS, "identifier": "MANIFEST-examengine",
                                "xsi:schemaLocation": f"{CP_NS} {CP_XSD}"})
    metadata = SubElement(root, "metadata")
    SubElement(metadata, "schema").text = "QTIv2.1 Package"
    SubElement(metadata, "schemaversion").text = "1.0.0"
    SubElement(root, "organizations")
    container = SubElement(root, "resources")
    for identifier, path in resources:
        attributes = {"identifier": f"RES-{identifier}", "type": "imsqti_item_xmlv2p1", "href": path}
        SubElement(SubElement(container, "resource", attributes), "file", {"href": path})
    return _serialise(root)


def _item_xml(item: dict[str, Any], identifier: str) -> bytes:
    kind = item.get("type")
    if kind not in ("single", "multi", "truefalse", "short"):
        raise ValueError(f"cannot export an item of type {kind!r} to QTI")
    title = item_name(item) or clean_text(item.get("stem")).split("\n")[0][:60] or identifier
    root = Element("assessmentItem", {
        "xmlns": QTI_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{QTI_NS} {QTI_XSD}",
        "identifier": identifier, "title": title, "adaptive": "false", "timeDependent": "false",
        "xml:lang": "zh-CN"})
    choices, correct = _choices(item)
    response = SubElement(root, "responseDeclaration", {
        "identifier": "RESPONSE", "cardinality": "multiple" if kind == "multi" else "single",
        "baseType": "string" if kind == "short" else "identifier"})
    if correct:
        values = SubElement(response, "correctResponse")
        for value in correct:
            SubElement(values, "value").text = value
    points = float(item.get("points") or get_type(kind).default_points)
    outcome = SubElement(root, "outcomeDeclaration", {"identifier": "SCORE", "cardinality": "single",
                                                      "baseType": "float", "normalMaximum": f"{points:g}"})
    SubElement(SubElement(outcome, "defaultValue"), "value").text = "0"
    body = SubElement(root, "itemBody")
    _scorer_block(body, item)
    if kind == "short":  # hand-marked: no correct response and no response processing
        interaction = SubElement(body, "extendedTextInteraction", {"responseIdentifier": "RESPONSE"})
        _lines(SubElement(interaction, "prompt"), item.get("stem"))
    else:
        interaction = SubElement(body, "choiceInteraction", {
            "responseIdentifier": "RESPONSE", "shuffle": "false" if kind == "truefalse" else "true",
            "maxChoices": "0" if kind == "multi" else "1"})
        _lines(SubElement(interaction, "prompt"), item.get("stem"))
        for choice_id, text in choices:
            _lines(SubElement(interaction, "simpleChoice", {"identifier": choice_id}), text)
        SubElement(root, "responseProcessing", {"template": MATCH_CORRECT})
    return _serialise(root)


def _choices(item: dict[str, Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """(identifier, text) of each choice and the correct identifiers; letters A-H name our options."""
    kind, key = item.get("type"), item.get("key")
    if kind == "truefalse":
        return [("T", "对"), ("F", "错")], ["T" if key is True else "F"]
    if kind == "short":
        return [], []
    options = [clean_text(o) for o in item.get("options") or []]
    keys = [key] if isinstance(key, str) else list(key or [])
    return [(LETTERS[i], text) for i, text in enumerate(options)], [k for k in LETTERS if k in keys]


def _scorer_block(body: Element, item: dict[str, Any]) -> None:
    """References and explanation in a rubricBlock only scorers see (QTI has no field for either)."""
    references = [clean_text(r) for r in item.get("references") or [] if clean_text(r)]
    explanation = clean_text(item.get("explanation"))
    if not references and not explanation:
        return
    block = SubElement(body, "rubricBlock", {"view": "scorer"})
    if references:
        container = SubElement(block, "div", {"class": "references"})
        for reference in references:
            _lines(SubElement(container, "p"), reference)
    if explanation:
        _lines(SubElement(SubElement(block, "div", {"class": "explanation"}), "p"), explanation)
