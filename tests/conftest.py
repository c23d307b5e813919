"""Personas shared by every test: who uses the platform, as fixtures."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.models import Membership, Organization
from tests.factories import OrganizationFactory, person

Role = Membership.Role


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The tests build tables without migrations (--no-migrations); database objects that
    only a migration creates are added here by running that migration's own function."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    trigger_migration = importlib.import_module("audit.migrations.0002_append_only_trigger")
    with django_db_blocker.unblock():
        trigger_migration.install(None, SimpleNamespace(connection=connection))


@pytest.fixture(autouse=True)
def _second_factor_for_privileged_people(request):
    """Organizers, reviewers and staff must use two-factor sign-in (accounts/mfa.py): every
    such person a test creates gets a confirmed authenticator app, as a real one would have
    set up, so tests that sign them in directly reach their pages. Tests of the requirement
    itself opt out with @pytest.mark.without_mfa. Production code has no such switch."""
    if request.node.get_closest_marker("without_mfa"):
        yield
        return
    from django.db.models.signals import post_save

    from accounts.mfa import REQUIRED_ROLES
    from accounts.models import Membership, User
    from tests.factories import with_mfa

    def membership_saved(sender, instance, created, raw=False, **kwargs):
        if created and not raw and instance.role in REQUIRED_ROLES:
            with_mfa(instance.user)

    def user_saved(sender, instance, raw=False, **kwargs):
        if not raw and (instance.is_staff or instance.is_superuser):
            with_mfa(instance)

    post_save.connect(membership_saved, sender=Membership, dispatch_uid="test_mfa_membership")
    post_save.connect(user_saved, sender=User, dispatch_uid="test_mfa_user")
    yield
    post_save.disconnect(sender=Membership, dispatch_uid="test_mfa_membership")
    post_save.disconnect(sender=User, dispatch_uid="test_mfa_user")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for production; personas are created by the dozen.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_cache():
    # Rate-limit counters live in the cache (Redis in the tests); start each test clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def municipality(db) -> Organization:
    return OrganizationFactory(name="草加市", prefecture="埼玉県")


@pytest.fixture
def other_municipality(db) -> Organization:
    return OrganizationFactory(name="苫小牧市", prefecture="北海道")


@pytest.fixture
def sponsor(db) -> Organization:
    return OrganizationFactory(
        name="社会福祉法人ゆうゆう", prefecture="北海道", kind=Organization.Kind.SOCIAL_WELFARE_CORPORATION
    )


@pytest.fixture
def organizer(municipality):
    return person(
        role=Role.ORGANIZER,
        organization=municipality,
        full_name="草加 太郎",
        full_name_kana="ソウカ タロウ",
        email="organizer@example.jp",
    )


@pytest.fixture
def coordinator(municipality):
    return person(
        role=Role.COORDINATOR,
        organization=municipality,
        full_name="取纏 花子",
        full_name_kana="トリマトメ ハナコ",
        email="coordinator@example.jp",
    )


@pytest.fixture
def participant(municipality):
    return person(
        role=Role.MEMBER,
        organization=municipality,
        full_name="参加 一郎",
        full_name_kana="サンカ イチロウ",
        email="participant@example.jp",
    )


@pytest.fixture
def outsider(other_municipality):
    return person(
        role=Role.MEMBER,
        organization=other_municipality,
        full_name="外部 次郎",
        full_name_kana="ガイブ ジロウ",
        email="outsider@example.jp",
    )


@pytest.fixture
def other_organizer(other_municipality):
    return person(
        role=Role.ORGANIZER,
        organization=other_municipality,
        full_name="苫小牧 三郎",
        full_name_kana="トマコマイ サブロウ",
        email="other-organizer@example.jp",
    )


@pytest.fixture
def other_coordinator(other_municipality):
    return person(
        role=Role.COORDINATOR,
        organization=other_municipality,
        full_name="苫小牧 四郎",
        full_name_kana="トマコマイ シロウ",
        email="other-coordinator@example.jp",
    )


@pytest.fixture
def reviewer(sponsor):
    return person(
        role=Role.REVIEWER,
        organization=sponsor,
        full_name="優友 審査",
        full_name_kana="ユウユウ シンサ",
        email="reviewer@example.jp",
    )


@pytest.fixture
def celery_eager():
    """Run Celery tasks in-process for this test (a worker's part, without a broker)."""
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = before
