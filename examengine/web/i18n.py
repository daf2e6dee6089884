"""The pages' language: Chinese first (zh-CN), English available.

Messages are written in Chinese in the templates and looked up here for English; a missing translation
falls back to the Chinese text, so nothing is ever blank."""

from __future__ import annotations

from flask import current_app, g, request, session

LOCALES = {"zh_CN": "中文", "en": "English"}

EN: dict[str, str] = {
    "考试引擎": "examengine",
    "登录": "Log in",
    "退出": "Log out",
    "用户名": "Username",
    "密码": "Password",
    "用户名或密码错误": "Wrong username or password",
    "请先登录": "Please log in first",
    "首页": "Home",
    "题库": "Item bank",
    "试题": "Items",
    "考试项目": "Program",
    "模块": "Module",
    "知识点": "Knowledge point",
    "题型": "Type",
    "难度": "Difficulty",
    "状态": "Status",
    "搜索": "Search",
    "关键词": "Keywords",
    "筛选": "Filter",
    "全部": "All",
    "编号": "Code",
    "题干": "Stem",
    "选项": "Options",
    "答案": "Key",
    "解析": "Explanation",
    "分值": "Points",
    "来源": "Source",
    "标签": "Tags",
    "等级": "Levels",
    "参考答案": "Reference answers",
    "评分要点": "Scoring points",
    "得分点": "Scoring point",
    "同义表述": "Alternative phrasings",
    "版本": "Version",
    "版本历史": "Version history",
    "比较": "Compare",
    "变更": "Changes",
    "作者": "Author",
    "审核人": "Reviewer",
    "创建时间": "Created",
    "更新时间": "Updated",
    "备注": "Note",
    "审核记录": "Review trail",
    "共": "Total",
    "条": "items",
    "上一页": "Previous",
    "下一页": "Next",
    "没有符合条件的试题": "No items match",
    "单选": "Single choice",
    "判断": "True/false",
    "多选": "Multiple choice",
    "简答": "Short answer",
    "草稿": "Draft",
    "待审核": "In review",
    "已启用": "Active",
    "已停用": "Retired",
    "对": "True",
    "错": "False",
    "欢迎": "Welcome",
    "角色": "Role",
    "考生": "Candidate",
    "阅卷员": "Grader",
    "命题员": "Item writer",
    "考务人员": "Exam staff",
    "管理员": "Administrator",
    "出错了": "Something went wrong",
    "返回首页": "Back to home",
    "权重": "Weight",
    "从": "From",
    "到": "To",
    "考生视图": "Candidate's view",
    "大纲": "Syllabus",
    "公共基础": "Public foundation",
    "专业课程": "Professional course",
    "工种": "Work type",
    "接口文档": "API (OpenAPI)",
    "您的账号可以使用以下功能": "Your account can use",
    "浏览和维护题库": "Browse and maintain the item bank",
    "考试、阅卷和考务功能将在后续版本中提供。": "Exams, grading and exam administration pages come in later releases.",
    "由": "by",
    "无变化": "No changes",
    "行": "row",
    "编辑": "Edit",
    "新建试题": "New item",
    "导入试题": "Import items",
    "导出试题": "Export items",
    "下载Excel模板": "Excel template",
    "保存": "Save",
    "返回": "Back",
    "提交审核": "Submit for review",
    "退回修改": "Send back",
    "审核通过": "Approve",
    "停用": "Retire",
    "恢复为草稿": "Reinstate as draft",
    "默认模块": "Default module",
    "导入后状态": "Status after import",
    "文件": "File",
    "跳过有错误的试题，导入其余试题": "Skip rejected items and import the rest",
    "检查": "Check",
    "确认导入": "Import now",
    "导入报告": "Import report",
    "位置": "Location",
    "结果": "Outcome",
    "说明": "Messages",
    "格式": "Format",
    "导出": "Export",
    "每个参考答案之间空一行": "a blank line between reference answers",
}


def current_locale() -> str:
    if "locale" in g:
        return g.locale
    loc = request.args.get("lang") or session.get("lang")
    actor = g.get("actor")
    if loc not in LOCALES and actor is not None:
        loc = actor.locale
    if loc not in LOCALES:
        loc = current_app.config["DEFAULT_LOCALE"]
    g.locale = loc if loc in LOCALES else "zh_CN"
    return g.locale


def translate(text: str) -> str:
    if current_locale() == "en":
        return EN.get(text, text)
    return text
