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
