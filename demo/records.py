"""Demo data for records: 草加市's training series gets a completion rule (both sessions
attended), and everyone who attended both receives a 修了証, as its organizer would
issue them from the completion roster. Idempotent: issuing skips people who already
hold a certificate.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from events.models import EventSeries
from records import certificates, rules
from records.models import CasebookIntro, CompletionRule

TRAINING_SERIES = "地域共生社会の実現に向けた人材育成研修"
CASEBOOK_YEAR = 2021
# The casebook's own cover and はじめに, kept for 2021年度 (the sponsor edits it in the page).
CASEBOOK = {
    "title": "自治体向け事例集",
    "subtitle": "令和3年度社会福祉推進事業\n"
    "重層的支援体制整備事業の促進に向けた自治体内の体制整備のためのコンサルティング事業",
    "issuer": "社会福祉法人ゆうゆう",
    "issued_on": "2022年3月",
    "introduction": "\n\n".join(
        [
            "本事業では、大きく分けて以下の2つの取り組みを実施しました。",
            "1 自治体に対する重層的支援体制の体制整備に向けたコンサルティングの実施\n"
            "企画委員との協議の上、5つの特性の異なる自治体を選定し、それぞれの自治体の実態に応じたコンサルティング支援を行う。"
            "具体的には、以下のステップで進める。\n"
            "①実施自治体の選定\n②実施自治体への事前ヒアリング\n③コンサルティング実施内容・体制の検討\n"
            "④各自治体へのコンサルティングの実施\n⑤各自治体の取り組み成果と今後の課題整理",
            "2 自治体コンサルティングを踏まえた自治体内における体制整備手法の整理、公表\n"
            "自治体コンサルティングを踏まえて、重層的支援体制の体制整備プロセス及び体制整備プロセスの各段階に必要な"
            "取り組み事項を整理する。\n"
            "報告書は、次年度以降に全国の各市町村で重層的支援体制整備を検討するにあたって有用かつ参考しやすい資料と"
            "なるようなものとする。",
        ]
    ),
}
ORGANIZER = "organizer@example.jp"


@transaction.atomic
def load(stdout=None) -> None:
    series = EventSeries.objects.filter(title=TRAINING_SERIES).order_by("pk").first()
    organizer = User.objects.filter(email=ORGANIZER).first()
    if series is None or organizer is None:
        return
    rule = rules.rule_for(series=series) or rules.save_rule(
        by=organizer,
        series=series,
        fields={
            "issuer_name": "草加市 健康福祉部 福祉政策課",
            "document": CompletionRule.Document.COMPLETION,
            "seal_omitted": True,
        },
    )
    outcome = certificates.issue_all(by=organizer, rule=rule)
    CasebookIntro.objects.get_or_create(fiscal_year=CASEBOOK_YEAR, defaults=CASEBOOK)
    if stdout is not None:
        stdout.write(
            f"Records demo: {len(outcome.issued)} certificates issued for {series.title} "
            f"({outcome.already} already held one, {outcome.not_completed} did not attend both sessions)."
        )
