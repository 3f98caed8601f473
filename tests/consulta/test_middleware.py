"""Which database errors get the "server is busy" page (a 503 with Retry-After) instead of a 500."""

import pytest
from django.db import DatabaseError, OperationalError, connection

from consulta.middleware import is_busy


def test_it_counts_sqlites_lock_messages_as_busy():
    assert is_busy(OperationalError("database is locked"))
    assert is_busy(OperationalError("database table is locked: submissions_submission"))


@pytest.mark.django_db
def test_it_leaves_every_other_database_error_to_the_server_error_page():
    with pytest.raises(DatabaseError) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    assert not is_busy(raised.value)
    assert not is_busy(ValueError("database is locked"))
