#!/usr/bin/env python3
"""Run an exam's visible tests with python3, the way the Check button does.

    python3 check.py                          check the intro-python exam
    python3 check.py EXAM_FOLDER SOLUTIONS    check another exam
    python3 check.py QUESTION_FOLDER CODE.py  run one question's tests on CODE.py

Checking an exam runs each question's tests.py twice: on the reference
solution SOLUTIONS/<question>.py, where every test must pass, and on the
question's starter.py, where at least one test must fail. The exit status is
0 when all of that is true and 1 otherwise.

The steps follow the browser's runner: the code runs as module "solution", so
an `if __name__ == "__main__":` block does not run. tests.py then runs in a
copy of the code's names, and every function named test_* that tests.py
defines is called in source order. Each prints "PASS name" or
"FAIL name: message", and a last line reads "N passed, M failed".
This runs on the machine's CPython, not on Pyodide in the browser.
"""

import contextlib
import io
import json
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def describe_failure(error):
    """Return the message that a FAIL line shows for an exception."""
    if isinstance(error, AssertionError):
        if str(error):
            return str(error)
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "tests.py"]
        if frames:
            return f"assertion failed at tests.py line {frames[-1].lineno}: {(frames[-1].line or '').strip()}"
        return "assertion failed"
    return f"{type(error).__name__}: {error}"


def run_tests(code, tests, out):
    """Run the tests on the code and write one PASS or FAIL line per test to out.

    Return (passed, failed), or None when the code or tests.py raises an
    error before any test runs.
    """
    namespace = {"__name__": "solution"}
    try:
        exec(compile(code, "main.py", "exec"), namespace)
    except SystemExit as error:
        if error.code not in (None, 0):
            out.write(f"the code exited with status {error.code}, so the tests did not run\n")
            return None
    except Exception:
        out.write("the code raised an error, so the tests did not run:\n")
        out.write(traceback.format_exc())
        return None

    test_namespace = dict(namespace)
    test_namespace["__name__"] = "tests"
    try:
        exec(compile(tests, "tests.py", "exec"), test_namespace)
    except Exception:
        out.write("tests.py could not be loaded:\n")
        out.write(traceback.format_exc())
        return None

    found = []
    for name, value in test_namespace.items():
        function_code = getattr(value, "__code__", None)
        if name.startswith("test_") and callable(value) and function_code is not None \
                and function_code.co_filename == "tests.py":
            found.append((function_code.co_firstlineno, name, value))
    found.sort()

    passed = 0
    failed = 0
    for _, name, function in found:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                function()
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            failed += 1
            out.write(f"FAIL {name}: {describe_failure(error)}\n")
        else:
            passed += 1
            out.write(f"PASS {name}\n")
    out.write(f"{passed} passed, {failed} failed\n")
    return passed, failed


def read_text(path):
    return path.read_text(encoding="utf-8")


def check_exam(exam_folder, solutions_folder):
    """Check every question of an exam and return the number of problems found."""
    questions = json.loads(read_text(exam_folder / "exam.json"))["questions"]
    problems = 0
    for question in questions:
        question_folder = exam_folder / question
        tests = read_text(question_folder / "tests.py")

        solution_path = solutions_folder / f"{question}.py"
        if not solution_path.is_file():
            print(f"{question}: missing reference solution {solution_path}")
            problems += 1
        else:
            log = io.StringIO()
            result = run_tests(read_text(solution_path), tests, log)
            if result is None or result[1] > 0 or result[0] == 0:
                print(f"{question}: the reference solution should pass every test:")
                print(log.getvalue(), end="")
                problems += 1
            else:
                print(f"{question}: reference solution passes {result[0]} tests")

        log = io.StringIO()
        result = run_tests(read_text(question_folder / "starter.py"), tests, log)
        if result is None:
            print(f"{question}: the starter code should load and fail a test:")
            print(log.getvalue(), end="")
            problems += 1
        elif result[1] == 0:
            print(f"{question}: the starter code passes every test; the tests check too little")
            problems += 1
        else:
            print(f"{question}: starter code fails {result[1]} of {result[0] + result[1]} tests")
    return problems


def main(argv):
    if len(argv) == 0:
        exam_folder, other_path = HERE.parent / "intro-python", HERE
    elif len(argv) == 2:
        exam_folder, other_path = Path(argv[0]), Path(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2

    if (exam_folder / "exam.json").is_file():
        problems = check_exam(exam_folder, other_path)
        print(f"{'no' if problems == 0 else problems} problems found")
        return 0 if problems == 0 else 1

    if (exam_folder / "tests.py").is_file():
        result = run_tests(read_text(other_path), read_text(exam_folder / "tests.py"), sys.stdout)
        return 0 if result is not None and result[1] == 0 and result[0] > 0 else 1

    print(f"{exam_folder}: contains neither exam.json nor tests.py", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
