import pytest

from accounts.normalize import is_kana, normalize_email, normalize_kana, normalize_name
from tests.factories import UserFactory


def test_email_full_width_folds_to_ascii():
    assert normalize_email(" ｓａｔｏ＠ｅｘａｍｐｌｅ．ｊｐ ") == "sato@example.jp"
    assert normalize_email("Sato@Example.JP") == "sato@example.jp"


def test_kana_is_stored_as_full_width_katakana():
    assert normalize_kana("そうか　はなこ") == "ソウカ ハナコ"
    assert normalize_kana("ｿｳｶ ﾊﾅｺ") == "ソウカ ハナコ"
    assert is_kana("ソウカ ハナコ")
    assert not is_kana("Souka")


def test_names_collapse_ideographic_spaces():
    assert normalize_name("草加　　花子 ") == "草加 花子"


@pytest.mark.django_db
def test_model_save_normalises_every_path():
    user = UserFactory(email="ＴＡＲＯ＠ｅｘａｍｐｌｅ．ｊｐ", full_name_kana="たろう")
    user.refresh_from_db()
    assert user.email == "taro@example.jp"
    assert user.full_name_kana == "タロウ"
