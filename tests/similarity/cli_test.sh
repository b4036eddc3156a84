#!/usr/bin/env bash
# Runs `examctl similarity` (or the similarity-only driver) as a user would:
# exit codes, formats, output files and messages on bad input.
# Usage: cli_test.sh EXAMCTL DATA_DIR
set -u
examctl=$1
data=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passed=0

check() {  # check NAME EXPECTED_EXIT COMMAND...
  local name=$1 expected=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local code=$?
  if [[ $code -ne $expected ]]; then
    echo "FAIL $name: exit $code, expected $expected"
    sed 's/^/  stderr: /' "$work/err" | head -5
    failures=$((failures + 1))
  else
    passed=$((passed + 1))
  fi
}

contains() {  # contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then
    passed=$((passed + 1))
  else
    echo "FAIL $1: $2 does not contain '$3'"
    failures=$((failures + 1))
  fi
}

check "text report" 0 "$examctl" similarity "$data/levels" --max-share 1
contains "text report lists a level copy" "$work/out" "l2_renamed"
contains "text report carries the notice" "$work/out" "not proof of copying"

check "html report" 0 "$examctl" similarity "$data/levels" -o "$work/report.html"
contains "html by extension" "$work/report.html" "<!DOCTYPE html>"
contains "html says where it went" "$work/err" "wrote $work/report.html"

check "json report" 0 "$examctl" similarity "$data/levels" --format json -o "$work/r.json"
contains "json has pairs" "$work/r.json" "\"pairs\""

check "csv report" 0 "$examctl" similarity "$data/levels" --format csv --top 3
contains "csv header" "$work/out" "rank,left,right,similarity"

check "base file" 0 "$examctl" similarity "$data/base/kept_starter.py" \
  "$data/base/edited_starter.py" --base "$data/base/starter.py" --max-share 1
contains "base removes all matches" "$work/out" "No pair shares a fragment"

check "unknown format is a usage error" 2 "$examctl" similarity "$data/levels" --format pdf
contains "format error names the value" "$work/err" "\"pdf\""
check "bad max share is a usage error" 2 "$examctl" similarity "$data/levels" --max-share 0
contains "max share error names the option" "$work/err" "maximum share"
check "missing paths is a usage error" 2 "$examctl" similarity
check "missing folder is not found" 3 "$examctl" similarity "$work/no-such-folder"
contains "missing folder is named" "$work/err" "no-such-folder"
check "missing base is not found" 3 "$examctl" similarity "$data/levels" --base "$work/nope.py"
check "unwritable output fails" 1 "$examctl" similarity "$data/levels" -o "$work/no/dir/r.html"
contains "unwritable output is named" "$work/err" "cannot write"

# Warnings go to stderr when the report goes to a file.
mkdir -p "$work/class"
cp "$data/levels/original.py" "$work/class/alice.py"
cp "$data/levels/l2_renamed.py" "$work/class/bob.py"
printf 'x = "open\n' >"$work/class/broken.py"
printf '\x00\x01binary' >"$work/class/blob.py"
check "bad files are reported" 0 "$examctl" similarity "$work/class" -o "$work/class.json"
contains "binary file named" "$work/err" "blob.py"
contains "tiny file named" "$work/err" "broken.py"
contains "unreadable student counted" "$work/class.json" "\"unreadable\": 1"

# No progress bar when stderr is not a terminal.
check "quiet stderr" 0 "$examctl" similarity "$data/levels"
if [[ -s "$work/err" ]]; then
  echo "FAIL quiet stderr: stderr not empty"
  failures=$((failures + 1))
fi

echo "similarity cli: $passed passed, $failures failed"
[[ $failures -eq 0 ]]
