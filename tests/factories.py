from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import Membership, Organization, User
from config.settings import TSUNAGU_DEMO_PASSWORD

PASSWORD = TSUNAGU_DEMO_PASSWORD


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"テスト市{n}")
    kind = Organization.Kind.MUNICIPALITY
    prefecture = "埼玉県"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    full_name = factory.Sequence(lambda n: f"利用者 {n}")
    full_name_kana = factory.Sequence(lambda n: f"リヨウシャ {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER


# The authenticator-app secret of every test person who must use two-factor sign-in
# (tests/conftest.py gives them one); `totp_code(TEST_TOTP_SECRET)` is their current code.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def with_mfa(user: User, secret: str = TEST_TOTP_SECRET) -> User:
    """A confirmed authenticator app (TOTP) for `user`, as if they had set it up."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
    return user


def totp_code(secret: str = TEST_TOTP_SECRET, *, at: float | None = None) -> str:
    """The code an authenticator app shows now (RFC 6238, as allauth checks it)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(at if at is not None else time.time()) // 30))


def verified(user: User) -> User:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def person(*, role: str, organization: Organization, **kwargs) -> User:
    user = verified(UserFactory(**kwargs))
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


# --- events -------------------------------------------------------------------------------
import datetime as _dt  # noqa: E402

from django.utils import timezone as _tz  # noqa: E402

from events.models import Event, EventSeries, ProgramItem, Registration, Speaker  # noqa: E402


class SpeakerFactory(DjangoModelFactory):
    class Meta:
        model = Speaker

    name = factory.Sequence(lambda n: f"講師 {n}")
    affiliation = "厚生労働省"


class EventSeriesFactory(DjangoModelFactory):
    class Meta:
        model = EventSeries
        skip_postgeneration_save = True

    title = "地域共生社会の実現に向けた人材育成研修"
    audience = "行政職員、包括的相談支援事業職員"

    @factory.post_generation
    def hosts(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.hosts.set(extracted)


class EventFactory(DjangoModelFactory):
    """A published online event a week from now, open for registration."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"研修会 {n}")
    kind = Event.Kind.TRAINING
    attendance_mode = Event.Mode.ONLINE
    status = Event.Status.PUBLISHED
    starts_at = factory.LazyFunction(
        lambda: (_tz.now() + _dt.timedelta(days=7)).replace(hour=6, minute=0, second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + _dt.timedelta(hours=2))
    doors_open_at = factory.LazyAttribute(lambda o: o.starts_at - _dt.timedelta(minutes=15))
    online_url = "https://zoom.example.jp/j/123456789"
    online_meeting_id = "123 456 789"
    online_passcode = "soka22"
    audience = "行政職員"

    @factory.post_generation
    def hosts(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.hosts.set(extracted)


class ProgramItemFactory(DjangoModelFactory):
    class Meta:
        model = ProgramItem

    event = factory.SubFactory(EventFactory)
    starts_at = _dt.time(15, 0)
    title = "開催挨拶"
    order = factory.Sequence(lambda n: n)


class RegistrationFactory(DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    status = Registration.Status.CONFIRMED
