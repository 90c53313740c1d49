"""The role matrix (test_role_matrix.py) for the office's roles."""

from core.roles import Role
from tests.core.role_matrix_requests import RoleMatrix, matrix_world, parametrize_roles, quiet_refusals  # noqa: F401


def pytest_generate_tests(metafunc):
    parametrize_roles(metafunc, (Role.PLANNER, Role.SALES, Role.BUYER, Role.ENGINEER))


class TestRoleMatrix(RoleMatrix):
    pass
