"""The role matrix (test_role_matrix.py) for the plant floor's roles, quality, finance and human resources."""

from core.roles import Role
from tests.core.role_matrix_requests import MissingRecordMatrix, matrix_world, parametrize_roles, quiet_refusals  # noqa: F401


def pytest_generate_tests(metafunc):
    parametrize_roles(metafunc, (Role.WAREHOUSE, Role.OPERATOR, Role.QUALITY, Role.FINANCE, Role.HR))


class TestRoleMatrix(MissingRecordMatrix):
    pass
