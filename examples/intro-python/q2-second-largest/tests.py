# Visible self-check tests for second_largest. Tests see the names that the
# student's code defines, so the helper's name starts with an underscore to
# avoid clashing with one of them.


def _check_second_largest(numbers, expected):
    got = second_largest(list(numbers))
    assert got == expected, f"second_largest({numbers}) returned {got!r}, expected {expected!r}"


def test_simple_list():
    _check_second_largest([3, 1, 4, 1, 5], 4)


def test_largest_value_repeated():
    _check_second_largest([5, 5, 4], 4)


def test_largest_value_first():
    _check_second_largest([9, 2, 7, 3], 7)


def test_only_negative_numbers():
    _check_second_largest([-3, -1, -2], -2)


def test_floats_and_ints():
    _check_second_largest([2, 3, 2.5], 2.5)


def test_two_values():
    _check_second_largest([10, 20], 10)


def test_all_values_equal():
    got = second_largest([7, 7, 7])
    assert got is None, f"second_largest([7, 7, 7]) returned {got!r}, expected None"


def test_one_value():
    got = second_largest([42])
    assert got is None, f"second_largest([42]) returned {got!r}, expected None"


def test_empty_list():
    got = second_largest([])
    assert got is None, f"second_largest([]) returned {got!r}, expected None"


def test_list_is_not_changed():
    numbers = [4, 8, 8, 1, 6]
    second_largest(numbers)
    assert numbers == [4, 8, 8, 1, 6], f"second_largest changed its argument to {numbers}"
