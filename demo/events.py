"""Demo data: the casebook's 2022 sessions as history, and upcoming events from today.

Idempotent: every object is found by its natural key before it is created, so
`make run` can call it on every start.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, MembershipRequest, Organization, User
from events.models import Event, EventSeries, ParticipatingOrganization, ProgramItem, Registration, Speaker

Role = Membership.Role
Kind = Organization.Kind
TZ = timezone.get_default_timezone()

DEMO_LOGINS = [
    # email, name, kana, organization key, role. Organizers hold their role at the city,
    # which reaches down to its departments; they also belong to their own section.
    ("organizer@example.jp", "福祉 政子", "フクシ マサコ", "soka", Role.ORGANIZER),
    ("organizer-tomakomai@example.jp", "苫 小太郎", "トマ コタロウ", "tomakomai", Role.ORGANIZER),
    ("organizer-yuyu@example.jp", "大原 事務局", "オオハラ ジムキョク", "yuyu", Role.ORGANIZER),
    ("coordinator@example.jp", "取纏 花子", "トリマトメ ハナコ", "soka_csw", Role.COORDINATOR),
    ("reviewer@example.jp", "優友 審査", "ユウユウ シンサ", "yuyu", Role.REVIEWER),
    ("participant@example.jp", "草加 一郎", "ソウカ イチロウ", "soka_csw", Role.MEMBER),
]

FAMILY = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山口", "ヤマグチ"),
]
GIVEN = [
    ("陽子", "ヨウコ"),
    ("健一", "ケンイチ"),
    ("美穂", "ミホ"),
    ("大輔", "ダイスケ"),
    ("由美", "ユミ"),
    ("誠", "マコト"),
    ("恵子", "ケイコ"),
    ("翔太", "ショウタ"),
    ("真理", "マリ"),
    ("浩二", "コウジ"),
    ("千尋", "チヒロ"),
    ("直樹", "ナオキ"),
    ("さやか", "サヤカ"),
    ("隆", "タカシ"),
    ("愛", "アイ"),
]


def _org(name, *, kind=Kind.MUNICIPALITY, prefecture="", parent=None) -> Organization:
    org, _ = Organization.objects.get_or_create(
        name=name, prefecture=prefecture, parent=parent, defaults={"kind": kind}
    )
    return org


def organizations() -> dict[str, Organization]:
    soka = _org("草加市", prefecture="埼玉県")
    soka_dept = _org("健康福祉部", prefecture="埼玉県", parent=soka)
    tomakomai = _org("苫小牧市", prefecture="北海道")
    tomakomai_dept = _org("福祉部", prefecture="北海道", parent=tomakomai)
    orgs = {
        "soka": soka,
        "soka_policy": _org("福祉政策課", prefecture="埼玉県", parent=soka_dept),
        "soka_csw": _org("草加市社会福祉協議会", kind=Kind.COUNCIL_OF_SOCIAL_WELFARE, prefecture="埼玉県"),
        "soka_houkatsu": _org("草加市地域包括支援センター", kind=Kind.OTHER, prefecture="埼玉県"),
        "tomakomai": tomakomai,
        "tomakomai_general": _org("総合福祉課", prefecture="北海道", parent=tomakomai_dept),
        "tomakomai_csw": _org(
            "苫小牧市社会福祉協議会", kind=Kind.COUNCIL_OF_SOCIAL_WELFARE, prefecture="北海道"
        ),
        "tomakomai_npo": _org("NPO法人とまこまい地域ネット", kind=Kind.NPO, prefecture="北海道"),
        "yuyu": _org("社会福祉法人ゆうゆう", kind=Kind.SOCIAL_WELFARE_CORPORATION, prefecture="北海道"),
        "gyoda": _org("行田市", prefecture="埼玉県"),
        "kushiro": _org("釧路市", prefecture="北海道"),
        "omuta": _org("大牟田市", prefecture="福岡県"),
        "sakai": _org("坂井市", prefecture="福井県"),
        "toyota": _org("豊田市", prefecture="愛知県"),
        "mhlw": _org("厚生労働省", kind=Kind.GOVERNMENT),
        "shirakawa": _org("医療法人静光園白川病院", kind=Kind.MEDICAL, prefecture="福岡県"),
    }
    return orgs


def _user(email, name, kana, org, role, *, password: str | None) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, full_name=name, full_name_kana=kana)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    Membership.objects.get_or_create(user=user, organization=org, role=role)
    if role != Role.MEMBER:
        Membership.objects.get_or_create(user=user, organization=org, role=Role.MEMBER)
    return user


def _pending_request(org: Organization, *, password: str) -> None:
    """One person waiting for 草加市社会福祉協議会's coordinator (coordinator@example.jp) to
    approve them, so the membership requests page has something to show."""
    user = User.objects.filter(email="applicant@example.jp").first()
    if user is None:
        user = User(email="applicant@example.jp", full_name="申請 未来", full_name_kana="シンセイ ミライ")
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    if not Membership.objects.filter(user=user).exists():
        MembershipRequest.objects.get_or_create(
            user=user, organization=org, status=MembershipRequest.Status.PENDING
        )


def people(orgs, count: int = 120) -> list[User]:
    rng = random.Random(2022)
    pool = [
        "soka_csw",
        "soka_houkatsu",
        "soka_policy",
        "tomakomai_csw",
        "tomakomai_npo",
        "tomakomai_general",
        "gyoda",
        "kushiro",
        "omuta",
        "sakai",
        "toyota",
    ]
    result = []
    for n in range(count):
        family, family_kana = FAMILY[n % len(FAMILY)]
        given, given_kana = GIVEN[(n * 7) % len(GIVEN)]
        org = orgs[pool[rng.randrange(len(pool))] if n >= 20 else pool[n % 3]]
        result.append(
            _user(
                f"demo{n:03d}@example.jp",
                f"{family} {given}",
                f"{family_kana} {given_kana}",
                org,
                Role.MEMBER,
                password=None,
            )
        )
    return result


def _speaker(name, kana, affiliation, title="") -> Speaker:
    speaker, _ = Speaker.objects.get_or_create(
        name=name, defaults={"name_kana": kana, "affiliation": affiliation, "title": title}
    )
    return speaker


def _at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TZ)


def _event(series, number, *, title, hosts, starts, ends, **fields) -> Event:
    event = (
        Event.objects.filter(series=series, number=number).first()
        if series
        else (Event.objects.filter(title=title, starts_at=starts).first())
    )
    if event is None:
        event = Event.objects.create(
            series=series, number=number, title=title, starts_at=starts, ends_at=ends, **fields
        )
        event.hosts.set(hosts)
    return event


def _program(event, rows, speakers_by_name=None):
    if event.program_items.exists():
        return
    for order, row in enumerate(rows):
        hhmm, title, details, names = ([*list(row), "", []])[:4]
        hh, mm = (int(x) for x in hhmm.split(":"))
        item = ProgramItem.objects.create(
            event=event, starts_at=time(hh, mm), title=title, details=details, order=order
        )
        if names:
            item.speakers.set([speakers_by_name[n] for n in names])


def _registrations(event, users, count, *, statuses=None, created_before=None):
    if event.registrations.exists():
        return
    rng = random.Random(event.pk)
    unique = list(dict.fromkeys(users))
    chosen = rng.sample(unique, min(count, len(unique)))
    base = created_before or event.starts_at - timedelta(days=3)
    for i, user in enumerate(chosen):
        status = (statuses or {}).get(i, Registration.Status.CONFIRMED)
        created = base - timedelta(hours=rng.randrange(1, 24 * 14))
        Registration.objects.create(
            event=event,
            user=user,
            status=status,
            organization=user.memberships.first().organization,
            created_at=created,
            confirmed_at=created if status == Registration.Status.CONFIRMED else None,
        )


@transaction.atomic
def load(stdout=None) -> dict:
    orgs = organizations()
    password = settings.TSUNAGU_DEMO_PASSWORD
    logins = [_user(e, n, k, orgs[o], r, password=password) for e, n, k, o, r in DEMO_LOGINS]
    for login, section in ((logins[0], "soka_policy"), (logins[1], "tomakomai_general")):
        Membership.objects.get_or_create(user=login, organization=orgs[section], role=Role.MEMBER)
    crowd = people(orgs)
    participant = logins[-1]
    _pending_request(orgs["soka_csw"], password=password)

    sp = {
        "石川": _speaker(
            "石川 紀子", "イシカワ ノリコ", "厚生労働省 社会・援護局 地域福祉課 地域共生社会推進室"
        ),
        "加藤": _speaker("加藤 恵", "カトウ メグミ", "半田市障害者相談支援センター", "センター長"),
        "猿渡": _speaker("猿渡 進平", "サルワタリ シンペイ", "医療法人静光園白川病院", "医療連携室長"),
        "大原": _speaker("大原 裕介", "オオハラ ユウスケ", "社会福祉法人ゆうゆう", "理事長"),
        "斎藤": _speaker("斎藤 正晃", "サイトウ マサアキ", "福井県坂井市 健康福祉部 福祉総務課"),
        "江崎": _speaker("江崎 崇", "エザキ タカシ", "愛知県豊田市 福祉部 福祉総合相談課"),
    }

    # --- 草加市: 地域共生社会の実現に向けた人材育成研修 -------------------------------
    soka_series, _ = EventSeries.objects.get_or_create(
        title="地域共生社会の実現に向けた人材育成研修",
        defaults={
            "audience": "行政職員、包括的相談支援事業職員、地域づくり事業職員等",
            "description": "地域共生社会の理念の理解と、多機関協働による支援の具体的なイメージづくりを目指す研修です。",
        },
    )
    soka_series.hosts.add(orgs["soka"])
    soka_series.speakers.add(sp["石川"], sp["加藤"], sp["猿渡"], sp["大原"])
    common = {
        "kind": Event.Kind.TRAINING,
        "attendance_mode": Event.Mode.ONLINE,
        "status": Event.Status.COMPLETED,
        "audience": soka_series.audience,
        "online_url": "https://zoom.example.jp/j/8100012201",
        "online_meeting_id": "810 001 2201",
        "online_passcode": "soka01",
    }
    s1 = _event(
        soka_series,
        1,
        title=soka_series.title,
        hosts=[orgs["soka"]],
        starts=_at(date(2022, 1, 25), 15),
        ends=_at(date(2022, 1, 25), 17),
        doors_open_at=_at(date(2022, 1, 25), 14, 45),
        count_at_deadline=42,
        registration_closes_at=_at(date(2022, 1, 18), 17),
        **common,
    )
    s1.speakers.set([sp["石川"], sp["加藤"]])
    _program(
        s1,
        [
            ("14:45", "Zoom開場"),
            ("15:00", "草加市より開催挨拶"),
            ("15:05", "本日の流れと目的の説明"),
            (
                "15:10",
                "【政策説明】「地域共生社会の理念」",
                "地域共生社会及び重層的支援体制整備事業の理念の理解を促す。",
                ["石川"],
            ),
            ("15:50", "休憩"),
            (
                "16:00",
                "【グループディスカッション①】「複合事例の検討」\n・講師より事例紹介\n・グループでの意見交換\n・グループで出した意見の全体共有（1～2グループ）と講師コメント（20分）",
                "複合事例について検討することで多機関協働を考えるきっかけをつくる。",
                ["加藤"],
            ),
            ("16:45", "次回研修についてのアナウンス"),
            ("17:00", "終了"),
        ],
        sp,
    )
    common["online_url"] = "https://zoom.example.jp/j/8100021002"
    s2 = _event(
        soka_series,
        2,
        title=soka_series.title,
        hosts=[orgs["soka"]],
        starts=_at(date(2022, 2, 10), 10),
        ends=_at(date(2022, 2, 10), 12),
        doors_open_at=_at(date(2022, 2, 10), 9, 45),
        count_at_deadline=46,
        registration_closes_at=_at(date(2022, 2, 3), 17),
        **common,
    )
    s2.speakers.set([sp["猿渡"], sp["大原"]])
    _program(
        s2,
        [
            ("9:45", "Zoom開場"),
            ("10:00", "草加市より開催挨拶"),
            ("10:00", "本日の流れと目的の説明"),
            (
                "10:05",
                "【グループディスカッション①】「草加市の相談支援の現状」\n・事前課題シートに基づき、(A)「連携して対応に成功したケース」の共有、(a)「連携の成功要因」についての検討\n・グループでの分析内容の全体共有（1～2チーム）と講師コメント",
                "連携に成功した事例を共有することで多機関が連携することの重要性の理解を促す。\nまた多機関協働において求められている要素についての理解をグループワークを通じて促す。",
                ["猿渡", "大原"],
            ),
            ("10:45", "休憩"),
            (
                "10:50",
                "【グループディスカッション②】「地域資源の共有・発見」\n・事前課題シートに基づき、(B)連携が難しかった／解決に結びつかなかったケース、(b)連携したかった機関は？、(c)あったらよかった社会資源は？\n・上記3点について、共有する\n・グループでの議論内容の全体共有と講師コメント",
                "事例共有をグループ内で実施することで、草加市内の相談支援の現状を把握することを促す。\nまた、解決に結びつかなかったケースに対する、どのような社会資源が必要となるかなどを議論することで新たな地域資源の発見を促す。",
                ["猿渡", "大原"],
            ),
            ("11:40", "事務連絡"),
            ("12:00", "終了"),
        ],
        sp,
    )
    soka_crowd = [u for u in crowd if u.memberships.filter(organization__prefecture="埼玉県").exists()] + [
        participant
    ]
    _registrations(s1, soka_crowd + crowd, 42)
    _registrations(s2, soka_crowd + crowd, 46)
    # The demo participant login took both sessions (their 修了証 is on "My events").
    for session in (s1, s2):
        if not session.registrations.filter(user=participant).exists():
            Registration.objects.create(
                event=session,
                user=participant,
                status=Registration.Status.CONFIRMED,
                organization=participant.memberships.first().organization,
                created_at=session.starts_at - timedelta(days=10),
                confirmed_at=session.starts_at - timedelta(days=10),
            )

    # --- 自治体間意見交換会 (sponsor) -----------------------------------------------------
    ex_series, _ = EventSeries.objects.get_or_create(
        title="自治体間意見交換会",
        defaults={
            "audience": "行政職員",
            "description": "重層的支援体制の整備に取り組む自治体同士が、事例と課題を持ち寄って意見交換します。",
        },
    )
    ex_series.hosts.add(orgs["yuyu"])
    ex_series.speakers.add(sp["斎藤"], sp["江崎"])
    participants = [
        ("gyoda", "健康福祉部 福祉課、子ども未来課、高齢者福祉課、保健センター"),
        ("soka", "健康福祉部 福祉政策課"),
        ("tomakomai", "福祉部 総合福祉課"),
        ("kushiro", "福祉部 生活福祉事務所"),
        ("omuta", "保健福祉部 福祉課総合相談担当"),
        ("sakai", "健康福祉部 福祉総務課"),
        ("toyota", "福祉部 福祉総合相談課"),
    ]
    ex_common = {
        "kind": Event.Kind.EXCHANGE_MEETING,
        "attendance_mode": Event.Mode.ONLINE,
        "status": Event.Status.COMPLETED,
        "audience": "行政職員",
        "online_url": "https://zoom.example.jp/j/8200000001",
        "online_passcode": "yuyu22",
    }
    ex_programs = {
        1: [
            ("13:00", "本日の流れの説明"),
            ("13:05", "【事例紹介】「坂井市の重層的支援体制構築に向けた取り組み」", "", ["斎藤"]),
            ("13:40", "休憩"),
            (
                "13:50",
                "【質疑応答】",
                "参加者より寄せられた重層的支援体制整備事業に関する質問に対して、参加自治体間で意見交換を行う。",
            ),
            ("14:35", "次回についてのアナウンス（課題シートの説明）\nアンケート回答"),
            ("15:00", "終了"),
        ],
        2: [
            ("13:00", "本日の流れの説明"),
            ("13:05", "【自治体現状共有】", "自治体アセスメントシートを基に自治体の現状共有"),
            ("13:45", "休憩"),
            (
                "13:50",
                "【自治体間意見交換】「重層的支援体制構築に向けた取り組みについて」",
                "事前アセスメントシートを基に参加自治体間で意見交換を行う。",
                ["斎藤", "江崎"],
            ),
            ("14:45", "アンケート回答"),
            ("15:00", "終了"),
        ],
    }
    exchange = []
    for number, day in ((1, date(2022, 2, 14)), (2, date(2022, 3, 11))):
        ev = _event(
            ex_series,
            number,
            title=ex_series.title,
            hosts=[orgs["yuyu"]],
            starts=_at(day, 13),
            ends=_at(day, 15),
            doors_open_at=_at(day, 12, 45),
            registration_closes_at=_at(day - timedelta(days=7), 17),
            **ex_common,
        )
        ev.speakers.set([sp["斎藤"], sp["江崎"]])
        for order, (key, departments) in enumerate(participants):
            ParticipatingOrganization.objects.get_or_create(
                event=ev, organization=orgs[key], defaults={"departments": departments, "order": order}
            )
        _program(ev, ex_programs[number], sp)
        municipal = [u for u in crowd if u.memberships.filter(organization__kind=Kind.MUNICIPALITY).exists()]
        _registrations(ev, municipal, 18 + number * 2)
        exchange.append(ev)

    # --- 苫小牧市: 実践研修 ---------------------------------------------------------------
    tk_series, _ = EventSeries.objects.get_or_create(
        title="実践研修",
        defaults={
            "audience": "相談支援従事者、福祉関係事業者、地域共生に資する行政担当者",
            "description": "「なんとかしたい／したかった」からはじまる、他分野と協働する企画づくりの研修です。",
        },
    )
    tk_series.hosts.add(orgs["tomakomai"])
    tk_series.speakers.add(sp["猿渡"], sp["大原"])
    tk_common = {
        "kind": Event.Kind.WORKSHOP,
        "attendance_mode": Event.Mode.IN_PERSON,
        "audience": tk_series.audience,
        "venue_name": "苫小牧市文化会館第2・3会議室",
        "venue_address": "北海道苫小牧市本町1-6-1",
    }
    t1 = _event(
        tk_series,
        1,
        title=tk_series.title,
        hosts=[orgs["tomakomai"]],
        starts=_at(date(2022, 2, 16), 13),
        ends=_at(date(2022, 2, 16), 15),
        status=Event.Status.CANCELLED,
        cancel_reason="新型コロナウイルス感染症の感染拡大を受け、中止しました。",
        cancelled_at=_at(date(2022, 2, 9), 10),
        **tk_common,
    )
    t2 = _event(
        tk_series,
        2,
        title=tk_series.title,
        hosts=[orgs["tomakomai"]],
        starts=_at(date(2022, 3, 23), 13, 30),
        ends=_at(date(2022, 3, 23), 15, 30),
        doors_open_at=_at(date(2022, 3, 23), 13),
        status=Event.Status.COMPLETED,
        count_at_deadline=25,
        registration_closes_at=_at(date(2022, 3, 16), 17),
        **tk_common,
    )
    t2.speakers.set([sp["猿渡"], sp["大原"]])
    _program(
        t2,
        [
            ("13:30", "開催挨拶"),
            ("13:35", "本日の目的と流れの説明"),
            ("13:40", "【講演】「『なんとかしたい／したかった』からはじまる」", "", ["猿渡"]),
            ("14:20", "休憩"),
            (
                "14:30",
                "【ワークショップ】\n(1) ワークシート記入\n・自分の「なんとかしたい／したかった」をふり返る\n・「誰とつながればよかったんだろう」を考える\n(2) 参加者同士でワークシートの内容共有\n(3) 全体共有・メンタリング",
                "",
                ["猿渡", "大原"],
            ),
            ("15:25", "事務連絡\nアンケート回答"),
            ("15:30", "終了"),
        ],
        sp,
    )
    hokkaido = [u for u in crowd if u.memberships.filter(organization__prefecture="北海道").exists()]
    _registrations(t1, hokkaido + crowd, 22, created_before=_at(date(2022, 2, 8), 17))
    Registration.objects.filter(event=t1).update(
        status=Registration.Status.CANCELLED, cancelled_at=t1.cancelled_at
    )
    _registrations(t2, hokkaido + crowd, 25)

    upcoming = _upcoming(orgs, sp, crowd, soka_series, tk_series)
    if stdout is not None:
        stdout.write(f"Demo: {Event.objects.count()} events, {Registration.objects.count()} registrations.")
    return {"logins": logins, "held": [s1, s2, *exchange, t1, t2], "upcoming": upcoming}


def _upcoming(orgs, sp, crowd, soka_series, tk_series) -> list[Event]:
    today = timezone.localdate()
    created = []

    def day(offset: int) -> date:
        d = today + timedelta(days=offset)
        while d.weekday() >= 5:  # keep demo sessions on weekdays
            d += timedelta(days=1)
        return d

    fy_series, _ = EventSeries.objects.get_or_create(
        title="重層的支援体制整備事業 職員研修（今年度）",
        defaults={
            "audience": "行政職員、社会福祉協議会職員、相談支援機関職員",
            "description": "草加市の重層的支援体制整備事業について、庁内と関係機関の共通理解をつくる研修です。",
        },
    )
    fy_series.hosts.add(orgs["soka"])
    d1 = day(14)
    online = _event(
        fy_series,
        1,
        title=fy_series.title,
        hosts=[orgs["soka"]],
        kind=Event.Kind.TRAINING,
        attendance_mode=Event.Mode.ONLINE,
        status=Event.Status.PUBLISHED,
        starts=_at(d1, 15),
        ends=_at(d1, 17),
        doors_open_at=_at(d1, 14, 45),
        capacity=100,
        registration_closes_at=_at(d1 - timedelta(days=3), 17),
        audience=fy_series.audience,
        online_url="https://zoom.example.jp/j/8300000101",
        online_meeting_id="830 000 0101",
        online_passcode="soka26",
    )
    online.speakers.set([sp["石川"], sp["加藤"]])
    _program(
        online,
        [
            ("14:45", "Zoom開場"),
            ("15:00", "開催挨拶"),
            (
                "15:05",
                "【政策説明】重層的支援体制整備事業の全体像",
                "事業の理念と草加市の取り組み状況を共有する。",
                ["石川"],
            ),
            ("15:50", "休憩"),
            ("16:00", "【グループワーク】複合事例の検討", "", ["加藤"]),
            ("17:00", "終了"),
        ],
        sp,
    )
    _registrations(online, crowd, 12, created_before=timezone.now())
    created.append(online)

    d2 = day(21)
    in_person = _event(
        tk_series,
        3,
        title=tk_series.title,
        hosts=[orgs["tomakomai"]],
        kind=Event.Kind.FIELDWORK,
        attendance_mode=Event.Mode.IN_PERSON,
        status=Event.Status.PUBLISHED,
        starts=_at(d2, 13, 30),
        ends=_at(d2, 16),
        doors_open_at=_at(d2, 13),
        capacity=40,
        registration_closes_at=_at(d2 - timedelta(days=5), 17),
        audience=tk_series.audience,
        venue_name="苫小牧市文化会館第2・3会議室",
        venue_address="北海道苫小牧市本町1-6-1",
    )
    in_person.speakers.set([sp["猿渡"], sp["大原"]])
    _program(
        in_person,
        [
            ("13:30", "開催挨拶"),
            ("13:40", "地域の社会資源を歩いて知るフィールドワーク", "", ["猿渡"]),
            ("15:10", "ふり返りと全体共有", "", ["大原"]),
            ("16:00", "終了"),
        ],
        sp,
    )
    _registrations(in_person, crowd, 8, created_before=timezone.now())
    created.append(in_person)

    d3 = day(10)
    nearly_full = _event(
        None,
        None,
        title="地域共生社会を考える勉強会",
        hosts=[orgs["soka"]],
        kind=Event.Kind.STUDY_SESSION,
        attendance_mode=Event.Mode.ONLINE,
        status=Event.Status.PUBLISHED,
        starts=_at(d3, 18, 30),
        ends=_at(d3, 20),
        capacity=30,
        audience="地域住民、民生委員、福祉関係者",
        online_url="https://zoom.example.jp/j/8300000301",
        online_passcode="benkyo",
    )
    _registrations(nearly_full, crowd, 29, created_before=timezone.now())
    created.append(nearly_full)

    d4 = day(28)
    approval = _event(
        None,
        None,
        title="事例検討ワークショップ「なんとかしたい！」",
        hosts=[orgs["yuyu"]],
        kind=Event.Kind.WORKSHOP,
        attendance_mode=Event.Mode.HYBRID,
        status=Event.Status.PUBLISHED,
        starts=_at(d4, 13),
        ends=_at(d4, 16),
        doors_open_at=_at(d4, 12, 30),
        capacity=24,
        requires_approval=True,
        audience="相談支援従事者（各自治体から推薦を受けた方）",
        venue_name="社会福祉法人ゆうゆう 研修室",
        venue_address="北海道当別町",
        online_url="https://zoom.example.jp/j/8300000401",
        online_passcode="yuyu26",
    )
    approval.speakers.set([sp["大原"]])
    _registrations(
        approval,
        crowd,
        5,
        statuses=dict.fromkeys(range(5), Registration.Status.REQUESTED),
        created_before=timezone.now(),
    )
    created.append(approval)
    return created
