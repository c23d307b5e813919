"""The demo's 2021年度 dashboard against figures worked out by hand from the demo's table
(demo/events.py, PARTICIPATION), not read back from the code that computes them.

The table, per session and organization — registered / attended / left early / absent,
questionnaire answered (of those present), pre-work sent:

  草加市 第1回 (42, the casebook's 参加者数): 草加市 20/18/1/1 answered 17;
      社協 12/11/0/1 answered 9; 地域包括 10/9/1/0 answered 8.
  草加市 第2回 (46): 草加市 22/20/1/1 answered 18, pre-work 19; 社協 13/12/0/1 answered 10,
      pre-work 11; 地域包括 11/10/0/1 answered 9, pre-work 9.
  意見交換会 第1回: 行田 4/4 a4; 草加 2/2 a2; 苫小牧 2/2 a2; 釧路 2/1/0/1 a1; 大牟田 3/3 a2;
      坂井 2/2 a2; 豊田 2/2 a2.
  意見交換会 第2回: 行田 5/5 a4; 草加 2/2 a2; 苫小牧 2/1/1/0 a2; 釧路 2/2 a2; 大牟田 2/2 a2;
      坂井 2/2 a1; 豊田 2/2 a2. アセスメントシート: all but 豊田市.
  苫小牧市 第1回: cancelled (its 20 registrations cancelled with it: counts none).
  苫小牧市 第2回 (25): 苫小牧市 9/8/0/1 answered 7; 社協 8/7/1/0 answered 6;
      NPO 8/7/0/1 answered 6. The worksheet (pre-work, due at the end) by those present.

So, by municipality (a 社協, a 地域包括 and an NPO are not part of a city's tree: they count
under "Other organizations and individuals"):

  草加市:   registered 20+22+2+2 = 46; attended 18+20+2+2 = 42; left early 1+1 = 2; absent 2;
            出席率 42/46; pre-work 19 of 22 (第2回 only); answered 17+18+2+2 = 39 of present
            (19+21+2+2 = 44); assessment sheet 1 of 1.
  苫小牧市: registered 9+2+2 = 13; attended 8+2+1 = 11; left early 1; absent 1;
            pre-work (worksheet) 8 of 9; answered 7+2+2 = 11 of 12; sheet 1 of 1.
  行田市:   4+5 = 9; attended 9; answered 4+4 = 8 of 9; sheet 1 of 1.
  釧路市:   4; attended 1+2 = 3; absent 1; answered 1+2 = 3 of 3.
  大牟田市: 3+2 = 5; attended 5; answered 2+2 = 4 of 5.
  坂井市:   4; attended 4; answered 2+1 = 3 of 4.
  豊田市:   4; attended 4; answered 4 of 4; sheet 0 of 1.
  Others:   12+10+13+11+8+8 = 62; attended 11+9+12+10+7+7 = 56; left early 1+1 = 2;
            absent 1+1+1+1 = 4; pre-work 11+9 (第2回) + 8+7 (worksheet) = 35 of 13+11+8+8 = 40;
            answered 9+8+10+9+6+6 = 48 of present 11+10+12+10+8+7 = 58.
  Total:    147 = 42+46+17+17+25; attended 134; answered 120 of 139; sheets 6 of 7.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from reports.figures import OTHER

# label → (registered, confirmed, attended, left early, absent, pre-work, pre-work base,
#          responses, response base, sheets, sheets expected)
BY_HAND = {
    "埼玉県草加市": (46, 46, 42, 2, 2, 19, 22, 39, 44, 1, 1),
    "北海道苫小牧市": (13, 13, 11, 1, 1, 8, 9, 11, 12, 1, 1),
    "埼玉県行田市": (9, 9, 9, 0, 0, 0, 0, 8, 9, 1, 1),
    "北海道釧路市": (4, 4, 3, 0, 1, 0, 0, 3, 3, 1, 1),
    "福岡県大牟田市": (5, 5, 5, 0, 0, 0, 0, 4, 5, 1, 1),
    "福井県坂井市": (4, 4, 4, 0, 0, 0, 0, 3, 4, 1, 1),
    "愛知県豊田市": (4, 4, 4, 0, 0, 0, 0, 4, 4, 0, 1),
    OTHER: (62, 62, 56, 2, 4, 35, 40, 48, 58, 0, 0),
}
TOTAL = (147, 147, 134, 5, 8, 62, 71, 120, 139, 6, 7)


def _figures(f):
    return (
        f.registrations,
        f.confirmed,
        f.attended,
        f.left_early,
        f.absent,
        f.prework,
        f.prework_base,
        f.responses,
        f.response_base,
        f.org_sheets,
        f.org_sheets_base,
    )


@pytest.fixture
def demo(db):
    from demo import loader

    loader.load(None)


@pytest.mark.django_db
def test_the_2021_dashboard_shows_each_municipalitys_own_figures(client, demo):
    client.force_login(User.objects.get(email="reviewer@example.jp"))
    response = client.get(reverse("reports:dashboard"), {"year": 2021})
    assert response.status_code == 200
    board = response.context["board"]
    shown = {(OTHER if g.key == OTHER else g.label): _figures(g.figures) for g in board.municipalities}
    for label, expected in BY_HAND.items():
        assert shown[label] == expected, label
    assert _figures(board.total) == TOTAL
    assert (board.total.events, board.total.held, board.total.cancelled) == (6, 5, 1)
    # The totals row is the sum of its rows (the anonymous answers' row adds satisfaction only).
    for i in range(len(TOTAL)):
        assert sum(v[i] for v in shown.values()) == TOTAL[i]
    # 草加市's rates, by hand: 42/46, 19/22, 39/44.
    soka = next(g.figures for g in board.municipalities if g.label == "埼玉県草加市")
    assert soka.attendance_rate == pytest.approx(42 / 46)
    assert soka.prework_rate == pytest.approx(19 / 22)
    assert soka.response_rate == pytest.approx(39 / 44)
    for g in board.municipalities:
        for rate in (g.figures.attendance_rate, g.figures.prework_rate, g.figures.response_rate):
            assert rate is None or rate <= 1
    # The アセスメントシート per municipality: six sent, 豊田市 not.
    sheets = {g.label: s.status for g, s in board.sheets}
    assert sheets["愛知県豊田市"] == "missing"
    assert sum(status == "submitted" for status in sheets.values()) == 6
    html = response.content.decode()
    assert "自治体アセスメントシート" in html


@pytest.mark.django_db
def test_the_2021_workbook_says_the_same(client, demo):
    client.force_login(User.objects.get(email="reviewer@example.jp"))
    book = load_workbook(io.BytesIO(client.get(reverse("reports:export", args=[2021])).content))
    rows = {r[0]: r for r in book[book.sheetnames[0]].iter_rows(min_row=2, values_only=True) if r and r[0]}
    # Registrations, confirmed, attended, left early, absent: the first five figure columns.
    assert rows["埼玉県草加市"][1:6] == (46, 46, 42, 2, 2)
    assert rows["合計"][1:6] == (147, 147, 134, 5, 8)
