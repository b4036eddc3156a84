// Python source that the worker runs once after Pyodide has loaded. It
// defines _exam_run(mode, code, tests), which returns (status, passed, failed).
//
// mode 'run' executes the student's code as __main__.
// mode 'check' executes it as module "solution" (so an
// `if __name__ == "__main__":` block does not run), then executes tests.py in
// a namespace that starts as a copy of the student's names, calls every
// function named test_* that tests.py defines, in source order, and prints
// "PASS name" or "FAIL name: message" for each and "N passed, M failed".
//
// Status is one of ok, error, stopped, tests_passed, tests_failed.
export const PYTHON_RUNNER = String.raw`
import linecache as _exam_linecache
import sys as _exam_sys
import traceback as _exam_traceback


def _exam_register_source(filename, source):
    _exam_linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _exam_print_exception(exc):
    # Print the traceback without the runner's own frames.
    te = _exam_traceback.TracebackException.from_exception(exc)
    frames = [f for f in te.stack if f.filename in ("main.py", "tests.py")]
    te.stack = _exam_traceback.StackSummary.from_list(frames)
    _exam_sys.stderr.write("".join(te.format()))


def _exam_describe_failure(exc):
    if isinstance(exc, AssertionError):
        message = str(exc)
        if message:
            return message
        lines = [f for f in _exam_traceback.extract_tb(exc.__traceback__) if f.filename == "tests.py"]
        if lines:
            return "assertion failed at tests.py line %d: %s" % (lines[-1].lineno, (lines[-1].line or "").strip())
        return "assertion failed"
    return "%s: %s" % (type(exc).__name__, exc)


def _exam_exec_student(code, module_name):
    _exam_register_source("main.py", code)
    namespace = {"__name__": module_name, "__builtins__": __builtins__}
    try:
        exec(compile(code, "main.py", "exec"), namespace)
    except KeyboardInterrupt:
        _exam_sys.stderr.write("\nStopped.\n")
        return "stopped", namespace
    except SystemExit as exc:
        if exc.code not in (None, 0):
            _exam_sys.stderr.write("Program exited with status %s\n" % (exc.code,))
            return "error", namespace
    except BaseException as exc:
        _exam_print_exception(exc)
        return "error", namespace
    return "ok", namespace


def _exam_run_tests(namespace, tests):
    _exam_register_source("tests.py", tests)
    test_namespace = dict(namespace)
    test_namespace["__name__"] = "tests"
    try:
        exec(compile(tests, "tests.py", "exec"), test_namespace)
    except KeyboardInterrupt:
        _exam_sys.stderr.write("\nStopped.\n")
        return "stopped", 0, 0
    except BaseException as exc:
        _exam_sys.stderr.write("The tests could not be loaded:\n")
        _exam_print_exception(exc)
        return "error", 0, 0

    tests_found = []
    for name, value in test_namespace.items():
        code = getattr(value, "__code__", None)
        if name.startswith("test_") and callable(value) and code is not None and code.co_filename == "tests.py":
            tests_found.append((code.co_firstlineno, name, value))
    tests_found.sort()

    passed = 0
    failed = 0
    for _, name, function in tests_found:
        try:
            function()
        except KeyboardInterrupt:
            _exam_sys.stderr.write("\nStopped.\n")
            return "stopped", passed, failed
        except BaseException as exc:
            failed += 1
            print("FAIL %s: %s" % (name, _exam_describe_failure(exc)))
        else:
            passed += 1
            print("PASS %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return ("tests_passed" if failed == 0 and passed > 0 else "tests_failed"), passed, failed


def _exam_run(mode, code, tests):
    try:
        if mode == "run":
            status, _ = _exam_exec_student(code, "__main__")
            return (status, 0, 0)
        status, namespace = _exam_exec_student(code, "solution")
        if status != "ok":
            if status == "error":
                _exam_sys.stderr.write("The tests did not run because the program raised an error.\n")
            return (status, 0, 0)
        return _exam_run_tests(namespace, tests)
    except KeyboardInterrupt:
        _exam_sys.stderr.write("\nStopped.\n")
        return ("stopped", 0, 0)
    finally:
        _exam_sys.stdout.flush()
        _exam_sys.stderr.flush()
`;
