# Visible self-check tests for format_duration. Tests see the names that the
# student's code defines, so the helper's name starts with an underscore to
# avoid clashing with one of them.


def _check_duration(seconds, expected):
    got = format_duration(seconds)
    assert got == expected, f"format_duration({seconds}) returned {got!r}, expected {expected!r}"


def test_zero():
    _check_duration(0, "0:00:00")


def test_seconds_only():
    _check_duration(59, "0:00:59")


def test_whole_minute():
    _check_duration(60, "0:01:00")


def test_minutes_and_seconds():
    _check_duration(75, "0:01:15")


def test_just_under_an_hour():
    _check_duration(3599, "0:59:59")


def test_hours_minutes_seconds():
    _check_duration(3661, "1:01:01")


def test_more_than_a_day():
    _check_duration(90061, "25:01:01")


def test_negative_raises_value_error():
    try:
        result = format_duration(-1)
    except ValueError:
        return
    raise AssertionError(f"format_duration(-1) returned {result!r}, expected a ValueError")
