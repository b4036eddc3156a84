# Visible self-check tests for the score report. Each test runs main() with
# prepared input lines and compares what it printed. Tests see the names that
# the student's code defines, so helper names start with an underscore to
# avoid clashing with one of them.

import builtins as _builtins
import contextlib as _contextlib
import io as _io


class _NoMoreInput(Exception):
    pass


def _run_main(lines, end_with_eof=True):
    """Run main() with `lines` as its input and return the printed lines.

    After the last line, input() raises EOFError when end_with_eof is true.
    Otherwise it raises _NoMoreInput, so a program that reads past the empty
    line that should stop it fails the test.
    """
    remaining = list(lines)

    def fake_input(prompt=""):
        if remaining:
            return remaining.pop(0)
        if end_with_eof:
            raise EOFError("EOF when reading a line")
        raise _NoMoreInput("main() called input() again after the empty line that ends the input")

    output = _io.StringIO()
    original_input = _builtins.input
    _builtins.input = fake_input
    try:
        with _contextlib.redirect_stdout(output):
            main()
    finally:
        _builtins.input = original_input
    return output.getvalue().splitlines()


def _check_report(lines, expected):
    got = _run_main(lines)
    assert got == expected, f"for the input {lines!r} main() printed {got!r}, expected {expected!r}"


def test_example_from_the_question():
    _check_report(
        ["Ada Lovelace, 88", "Emmy Noether,94", "Alan Turing", "Kurt Gödel , 33", ""],
        ["students: 3", "average: 71.67", "best: Emmy Noether (94)", "invalid lines: 1"],
    )


def test_average_has_two_decimals():
    _check_report(
        ["Ada,88", "Emmy,93"],
        ["students: 2", "average: 90.50", "best: Emmy (93)", "invalid lines: 0"],
    )


def test_spaces_around_name_and_score():
    _check_report(
        ["   Sofia Kovalevskaya   ,   100  "],
        ["students: 1", "average: 100.00", "best: Sofia Kovalevskaya (100)", "invalid lines: 0"],
    )


def test_first_of_equal_best_scores():
    _check_report(
        ["Hypatia,90", "Euclid,90", "Archimedes,85"],
        ["students: 3", "average: 88.33", "best: Hypatia (90)", "invalid lines: 0"],
    )


def test_invalid_lines_are_counted():
    _check_report(
        ["no comma here", "Grace,abc", "Kurt,101", "Emmy,-3", ",50", "Ada,7.5", "Alan,60"],
        ["students: 1", "average: 60.00", "best: Alan (60)", "invalid lines: 6"],
    )


def test_line_with_two_commas_is_invalid():
    _check_report(
        ["Smith, John, 80", "Ada,70"],
        ["students: 1", "average: 70.00", "best: Ada (70)", "invalid lines: 1"],
    )


def test_scores_zero_and_hundred_are_valid():
    _check_report(
        ["Low,0", "High,100"],
        ["students: 2", "average: 50.00", "best: High (100)", "invalid lines: 0"],
    )


def test_empty_line_stops_reading():
    lines = ["Ada,80", "", "Emmy,99"]
    got = _run_main(lines, end_with_eof=False)
    expected = ["students: 1", "average: 80.00", "best: Ada (80)", "invalid lines: 0"]
    assert got == expected, f"for the input {lines!r} main() printed {got!r}, expected {expected!r}"


def test_no_valid_lines():
    _check_report(["nothing", "to see"], ["students: 0", "invalid lines: 2"])


def test_no_input_at_all():
    _check_report([], ["students: 0", "invalid lines: 0"])
