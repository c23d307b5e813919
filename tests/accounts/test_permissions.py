import pytest

from accounts import permissions
from tests.factories import OrganizationFactory, UserFactory


@pytest.mark.django_db
def test_roles(organizer, coordinator, participant, outsider, reviewer, municipality, other_municipality):
    assert permissions.is_organizer(organizer, municipality)
    assert not permissions.is_organizer(organizer, other_municipality)
    assert not permissions.is_organizer(participant)
    assert permissions.can_manage_for(organizer, [municipality.pk])
    assert not permissions.can_manage_for(organizer, [other_municipality.pk])
    assert not permissions.can_manage_for(reviewer, [municipality.pk])

    assert permissions.is_coordinator(coordinator, municipality)
    assert permissions.can_coordinate_people_of(coordinator, municipality.pk)
    assert not permissions.can_coordinate_people_of(coordinator, other_municipality.pk)
    assert not permissions.can_coordinate_people_of(outsider, municipality.pk)

    assert permissions.is_reviewer(reviewer)
    assert permissions.can_read_across_organizations(reviewer)
    assert not permissions.can_read_across_organizations(organizer)
    assert not permissions.is_reviewer(participant)


@pytest.mark.django_db
def test_roles_reach_down_the_organization_tree(organizer, municipality):
    department = OrganizationFactory(name="健康福祉部", parent=municipality)
    section = OrganizationFactory(name="福祉政策課", parent=department)
    assert section.display_name == "草加市 健康福祉部 福祉政策課"
    assert permissions.is_organizer(organizer, section)


@pytest.mark.django_db
def test_staff_and_anonymous(municipality):
    from django.contrib.auth.models import AnonymousUser

    staff = UserFactory(is_staff=True)
    assert permissions.can_manage_for(staff, [municipality.pk])
    anon = AnonymousUser()
    assert not permissions.is_organizer(anon)
    assert not permissions.is_reviewer(anon)
    assert permissions.organizer_org_ids(anon) == set()
