# Shared helpers for the bash scripts under scripts/. Source this file; it
# defines functions and two variables and runs nothing else.
#
# A script sets SCRIPT_NAME before sourcing, so messages read
# "local-pg: ..." or "setup: ...". Every message goes to stderr, which keeps
# stdout free for output that callers capture, such as `local-pg env`.

# shellcheck shell=bash

# The repository root, found from this file's location so that scripts work
# from any current directory.
# shellcheck disable=SC2034 # used by the scripts that source this file
EXAM_REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
SCRIPT_NAME="${SCRIPT_NAME:-$(basename -- "$0")}"

# Print a progress or warning line to stderr.
note() {
  printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2
}

# Print an error line to stderr and exit with status 1.
die() {
  printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2
  exit 1
}

# Return 0 when the current user is root.
is_root() {
  [[ ${EUID:-$(id -u)} -eq 0 ]]
}
