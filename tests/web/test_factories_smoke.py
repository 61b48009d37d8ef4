import pytest

from factories import AccountFactory, AssignmentFactory, StaffFactory
from powerkam.accounts.models import Account
from powerkam.staff.models import Role


@pytest.mark.django_db
def test_factories_build_a_manager_with_an_assigned_account():
    staff = StaffFactory(role=Role.MANAGER)
    account = AccountFactory()
    AssignmentFactory(account=account, staff=staff.user)
    assert list(Account.objects.managed_by(staff.user)) == [account]
    assert staff.user.check_password("pw")
    assert staff.user.groups.filter(name="manager").exists()
