#!/usr/bin/env bash
# Runs examctl as a user would, with options missing or wrong and with no
# server listening, and checks the exit codes that docs/cli.md lists and the
# message printed for each. Needs no database and no examd.
# Usage: exit_codes_test.sh EXAMCTL
set -u
examctl=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passed=0

# No saved login: examctl reads it from $XDG_CONFIG_HOME/examctl.
export XDG_CONFIG_HOME="$work/config"
unset EXAM_SERVER EXAM_TOKEN

check() {  # check NAME EXPECTED_EXIT EXPECTED_STDERR_TEXT COMMAND...
  local name=$1 expected=$2 text=$3
  shift 3
  "$@" >"$work/out" 2>"$work/err"
  local code=$?
  if [[ $code -ne $expected ]]; then
    echo "FAIL $name: exit $code, expected $expected"
    sed 's/^/  stderr: /' "$work/err" | head -5
    failures=$((failures + 1))
  elif ! grep -qF -- "$text" "$work/err"; then
    echo "FAIL $name: stderr does not contain \"$text\""
    sed 's/^/  stderr: /' "$work/err" | head -5
    failures=$((failures + 1))
  else
    passed=$((passed + 1))
  fi
}

# A loopback port with nothing listening: bound by the kernel's choice, then
# closed.
closed_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

check "no server" 2 "no server given; pass --server" "$examctl" exam list
check "no server for server-key" 2 "no server given" "$examctl" server-key
echo '{"sessions": []}' >"$work/export.json"
check "no server for verify" 2 "or pass --public-key" "$examctl" verify "$work/export.json"
check "server without a scheme" 2 "--server must start with http:// or https://" \
  "$examctl" --server 127.0.0.1:8080 --token ect_x exam list
check "no token" 2 "no API token given" "$examctl" --server "http://127.0.0.1:$closed_port" exam list
check "unknown option" 2 "--no-such-option" "$examctl" exam list --no-such-option
check "unknown command" 2 'unknown command "no-such-command"' "$examctl" no-such-command
check "unknown exam command" 2 'run `examctl exam --help`' "$examctl" exam no-such-command
check "group without a command" 2 "examctl exam needs a command" "$examctl" exam
check "server not listening" 4 "127.0.0.1:$closed_port" \
  "$examctl" --server "http://127.0.0.1:$closed_port" --token ect_x exam list

echo "$passed passed, $failures failed"
((failures == 0))
