import pytest

from skipviz.lessons.widgets import guarded, note, warning


class Status:
    value = "old"


def test_a_value_error_becomes_a_message_and_the_callback_keeps_working():
    status = Status()

    def update(depth):
        if depth < 1:
            raise ValueError(f"depth must be in [1, 100], got {depth}")
        return depth * 2

    safe = guarded(update, status)
    assert safe(0) is None
    assert "depth must be in [1, 100], got 0" in status.value and "⚠" in status.value
    assert safe.last_error == "depth must be in [1, 100], got 0"
    assert safe(3) == 6 and status.value == "" and safe.last_error is None


def test_the_callback_may_write_its_own_note_and_other_errors_still_raise():
    status = Status()

    def update():
        status.value = note("diverged at step 0")
        raise_it = {}
        return raise_it["missing"]

    with pytest.raises(KeyError):
        guarded(update, status)()
    assert "diverged at step 0" in status.value


def test_messages_are_escaped():
    assert "&lt;b&gt;" in warning("<b>") and "&lt;b&gt;" in note("<b>")


@pytest.mark.parametrize("update, status, name", [
    (None, Status(), "update"),
    (print, object(), "status"),
])
def test_guarded_refuses(update, status, name):
    with pytest.raises(ValueError, match=name):
        guarded(update, status)
