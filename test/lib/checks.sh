# Counting checks inside a suite. Source it; end the suite with `checks_summary`, whose last line
# is the "N passed, M failed" that scripts/test totals.
# shellcheck shell=bash

checks_passed=0
checks_failed=0

pass() {
  checks_passed=$((checks_passed + 1))
  printf 'ok    %s\n' "$1"
}

# fail NAME [WHY]
fail() {
  checks_failed=$((checks_failed + 1))
  printf 'FAIL  %s\n' "$1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/      /'; fi
}

# check NAME COMMAND...: passes when the command exits 0.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected: $2"$'\n'"actual:   $3"; fi
}

# check_same_file NAME FILE1 FILE2: passes when the files are byte-identical; shows a short diff.
check_same_file() {
  if cmp -s "$2" "$3"; then
    pass "$1"
  else
    fail "$1" "$(diff -U0 "$2" "$3" | grep -v "^@@" | head -n 40)"
  fi
}

checks_summary() {
  printf '%d passed, %d failed\n' "$checks_passed" "$checks_failed"
  [ "$checks_failed" -eq 0 ]
}
