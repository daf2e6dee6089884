"""简答 short answer: reference answers and a rubric of weighted scoring points (得分点).

Marked by the short-answer scorer and confirmed by graders, never scored on submission."""

from __future__ import annotations

from typing import Any

from examengine.bank.itemtypes.base import Issues, ItemType, clean_text

MAX_REFERENCES = 5


class ShortAnswer(ItemType):
    code = "short"
    label_zh = "简答"
    label_en = "short answer"
    auto_scored = False
    default_points = 10.0

    def normalise_key(self, raw: Any, options: Any) -> Any:
        return None

    def normalise_extra(self, content: dict[str, Any]) -> dict[str, Any]:
        refs = content.get("references")
        rubric = content.get("rubric")
        out: dict[str, Any] = {
            "references": [clean_text(r) for r in refs] if isinstance(refs, list) else refs,
            "rubric": rubric,
        }
        if isinstance(rubric, list):
            out["rubric"] = [
                {
                    "point": clean_text(p.get("point")),
                    "weight": float(p["weight"]) if isinstance(p.get("weight"), int | float)
                    and not isinstance(p.get("weight"), bool) else p.get("weight"),
                    "synonyms": [clean_text(s) for s in p.get("synonyms") or [] if clean_text(s)]
                    if isinstance(p.get("synonyms") or [], list) else p.get("synonyms"),
                }
                if isinstance(p, dict) else p
                for p in rubric
            ]
        return out

    def validate_extra(self, content: dict[str, Any], issues: Issues) -> None:
        if content.get("key") not in (None, "", []):
            issues.add("key", "KEY_NOT_ALLOWED", "a short-answer item has no key; give references and a rubric",
                       "简答题没有标准选项答案，请填写参考答案和评分要点")
        refs = content.get("references")
        if not isinstance(refs, list) or not [r for r in refs if r]:
            issues.add("references", "REFERENCE_MISSING", "a short-answer item needs at least one reference answer",
                       "简答题至少需要一个参考答案")
        elif len(refs) > MAX_REFERENCES:
            issues.add("references", "REFERENCES_TOO_MANY", f"at most {MAX_REFERENCES} reference answers",
                       f"参考答案最多{MAX_REFERENCES}个")
        elif any(not r for r in refs):
            issues.add("references", "REFERENCE_EMPTY", "reference answers must not be empty", "参考答案不能为空")
        rubric = content.get("rubric")
        if rubric in (None, []):
            return  # an imported essay may wait for its rubric (it stays a draft until then)
        if not isinstance(rubric, list):
            issues.add("rubric", "RUBRIC_INVALID", "the rubric must be a list of scoring points", "评分要点必须是列表")
            return
        total = 0.0
        for i, p in enumerate(rubric):
            if not isinstance(p, dict) or not p.get("point"):
                issues.add(f"rubric.{i}.point", "RUBRIC_POINT_EMPTY", "a scoring point needs its text",
                           "得分点内容不能为空")
                continue
            w = p.get("weight")
            if not isinstance(w, int | float) or isinstance(w, bool) or w <= 0:
                issues.add(f"rubric.{i}.weight", "RUBRIC_WEIGHT_INVALID", "a scoring point's weight must be positive",
                           "得分点分值必须为正数")
                continue
            if not isinstance(p.get("synonyms"), list):
                issues.add(f"rubric.{i}.synonyms", "RUBRIC_SYNONYMS_INVALID", "synonyms must be a list of phrases",
                           "同义表述必须是列表")
            total += w
        points = content.get("points")
        if isinstance(points, float) and not issues.items and abs(total - points) > 1e-6:
            issues.add("rubric", "RUBRIC_WEIGHTS_SUM", f"scoring-point weights sum to {total:g}, the item is worth {points:g}",
                       f"得分点分值之和为{total:g}，与题目分值{points:g}不一致")

    def normalise_response(self, raw: Any, n_options: int) -> Any:
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise ValueError("text expected")
        # Keep what the candidate typed; only unify line endings.
        text = raw.replace("\r\n", "\n").replace("\r", "\n")
        return text if text.strip() else None

    def score(self, content: dict[str, Any], response: Any, rule: dict[str, Any] | None = None) -> None:
        return None
