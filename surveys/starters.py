"""The four forms of the casebook, as templates an organizer starts from.

Written in Japanese, as the municipalities print them; the organizer changes the
copy in the builder. Question keys are stable across copies, so the results of
第1回 and 第2回 can be compared question by question.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Q:
    key: str
    label: str
    type: str
    required: bool = False
    help_text: str = ""
    choices: tuple[str, ...] = ()
    other: bool = False  # add "その他（自由記述）"
    unit: str = ""
    min_value: int | None = None
    max_value: int | None = None
    low: str = ""
    high: str = ""
    breakdown: bool = False


@dataclass(frozen=True)
class S:
    title: str
    questions: tuple[Q, ...]
    description: str = ""
    repeatable: bool = False
    min_repeats: int = 1
    max_repeats: int = 1


@dataclass(frozen=True)
class Starter:
    key: str
    name: object  # lazy translation, shown in the "add a form" menu
    kind: str
    title: str
    instructions: str
    sections: tuple[S, ...] = field(default_factory=tuple)
    respondent: str = "person"
    anonymous: bool = False
    due: str = "start"  # without a due date: when the event starts, or "end"


OTHER_LABEL = "その他（自由記述）"

PREWORK_SOKA = Starter(
    key="prework_soka",
    name=_("Pre-work sheet (Soka, session 2)"),
    kind="prework",
    title="事前課題シート",
    instructions=(
        "研修当日のグループディスカッションで共有します。担当されたケースを思い出し、"
        "個人が特定されない形でご記入ください。"
    ),
    sections=(
        S(
            "(A) 連携して対応に成功したケース",
            (
                Q("case_success", "(A) 連携して対応に成功したケース", "long_text", required=True),
                Q("success_factors", "(a) 連携の成功要因", "long_text", required=True),
            ),
        ),
        S(
            "(B) 連携が難しかった／連携したが解決に結びつかなかったケース",
            (
                Q(
                    "case_difficult",
                    "(B) 連携が難しかった／連携したが解決に結びつかなかったケース",
                    "long_text",
                    required=True,
                ),
                Q("wanted_agencies", "(b) 連携したかった機関は？", "long_text"),
                Q("wanted_resources", "(c) あったらよかった社会資源は？", "long_text"),
            ),
        ),
    ),
)

WORKSHEET = Starter(
    key="worksheet",
    name=_('"Nantoka shitai" worksheet (repeating cases)'),
    kind="prework",
    title="なんとかしたい！なんとかしたかったワークシート",
    # Filled in during the workshop (14:30 ワークシート記入), so open until the session ends.
    due="end",
    instructions="自分の「なんとかしたい／したかった」をふり返り、「誰とつながればよかったんだろう」を考えます。",
    sections=(
        S(
            "事例",
            (
                Q("age", "対象者の年齢", "integer", unit="歳", min_value=0, max_value=120),
                Q(
                    "gender",
                    "対象者の性別",
                    "single_choice",
                    choices=("男性", "女性", "回答しない"),
                    other=True,
                ),
                Q("position", "自分の立場", "short_text", required=True),
                Q("course", "経過", "long_text", required=True),
                Q("connect", "誰とつながればよかったんだろう？", "long_text", required=True),
            ),
            repeatable=True,
            min_repeats=1,
            max_repeats=5,
        ),
    ),
)

PROJECTS = (
    "包括的相談支援事業",
    "参加支援事業",
    "地域づくり事業",
    "アウトリーチ等を通じた継続的支援事業",
    "多機関協働事業",
)

ASSESSMENT = Starter(
    key="assessment",
    name=_("Municipality assessment sheet"),
    kind="prework",
    title="自治体アセスメントシート",
    respondent="organization",
    instructions=(
        "1人の担当者が作成するのではなく、必ず複数人・複数部署で協力して取り組んでください。"
        "地域で実際に起こっている事象やその背景は、できるだけ具体的に記入してください。"
    ),
    sections=(
        S(
            "自治体基礎情報",
            (
                Q("departments", "作成に携わった部署", "short_text", required=True),
                Q("created_on", "作成日", "date", required=True),
                Q("population", "人口", "integer", unit="人", min_value=0, max_value=40_000_000),
                Q("area", "面積", "number", unit="km²", min_value=0, max_value=100_000),
            ),
        ),
        S(
            "行政組織図",
            (
                Q(
                    "org_chart",
                    "行政組織図",
                    "file",
                    help_text="PDF、画像（PNG・JPEG）、Excel・Word・PowerPoint のファイル",
                ),
            ),
        ),
        S(
            "相談支援機関情報",
            (
                Q("agency_name", "機関名", "short_text", required=True),
                Q("contractor", "委託先", "short_text"),
            ),
            repeatable=True,
            min_repeats=1,
            max_repeats=20,
        ),
        S(
            "事業",
            (
                Q("projects_running", "実施している事業", "multiple_choice", choices=PROJECTS, other=True),
                Q("projects_planned", "準備中の事業", "multiple_choice", choices=PROJECTS),
                Q("projects_notes", "事業の内容・現状", "long_text"),
            ),
        ),
        S(
            "課題",
            (Q("issue", "課題", "long_text", required=True),),
            repeatable=True,
            min_repeats=1,
            max_repeats=10,
        ),
    ),
)

AFFILIATIONS = (
    "行政職員",
    "包括的相談支援事業職員",
    "地域づくり事業職員",
    "社会福祉協議会",
    "相談支援事業所",
    "福祉関係事業者",
    "医療機関",
)

USEFUL_PARTS = (
    "政策説明・講演",
    "事例紹介",
    "グループディスカッション",
    "ワークショップ",
    "他自治体・他機関との意見交換",
)

QUESTIONNAIRE = Starter(
    key="questionnaire",
    name=_("Standard post-training questionnaire"),
    kind="questionnaire",
    title="研修アンケート",
    anonymous=True,
    instructions="今後の研修の参考にさせていただきます。回答は無記名で集計されます。",
    sections=(
        S(
            "研修について",
            (
                Q("satisfaction", "本日の研修の満足度", "scale", required=True, low="不満", high="満足"),
                Q(
                    "understand_kyosei_before",
                    "研修前、「地域共生社会」をどの程度理解していましたか",
                    "scale",
                    required=True,
                    low="理解していなかった",
                    high="よく理解していた",
                ),
                Q(
                    "understand_kyosei_after",
                    "研修後、「地域共生社会」をどの程度理解できましたか",
                    "scale",
                    required=True,
                    low="理解できなかった",
                    high="よく理解できた",
                ),
                Q(
                    "understand_jusou_before",
                    "研修前、「重層的支援体制整備事業」をどの程度理解していましたか",
                    "scale",
                    required=True,
                    low="理解していなかった",
                    high="よく理解していた",
                ),
                Q(
                    "understand_jusou_after",
                    "研修後、「重層的支援体制整備事業」をどの程度理解できましたか",
                    "scale",
                    required=True,
                    low="理解できなかった",
                    high="よく理解できた",
                ),
                Q(
                    "usefulness",
                    "研修の内容は業務に役立ちそうですか",
                    "scale",
                    required=True,
                    low="役立たない",
                    high="とても役立つ",
                ),
                Q(
                    "useful_parts",
                    "役に立った内容（複数選択可）",
                    "multiple_choice",
                    choices=USEFUL_PARTS,
                    other=True,
                ),
                Q("useful_comment", "特に役に立ったこと、印象に残ったこと", "long_text"),
                Q("requests", "次回の研修へのご要望", "long_text"),
                Q("attend_again", "次回も参加したいですか", "yes_no", required=True),
            ),
        ),
        S(
            "回答者について",
            (
                Q(
                    "affiliation",
                    "所属の種別",
                    "single_choice",
                    required=True,
                    choices=AFFILIATIONS,
                    other=True,
                    breakdown=True,
                ),
            ),
        ),
    ),
)

STARTERS: dict[str, Starter] = {s.key: s for s in (PREWORK_SOKA, WORKSHEET, ASSESSMENT, QUESTIONNAIRE)}
