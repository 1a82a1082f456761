# shellcheck shell=bash
# Shared by the image checks: assertions that count, and a closing "N passed, N failed" line.

PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); printf 'ok     %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAILED %s\n' "$1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/       /'; }

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected: $2
actual:   $3"; fi
}

# check_contains NAME HAYSTACK NEEDLE (fixed string)
check_contains() {
  if grep -qF -- "$3" <<< "$2"; then pass "$1"; else fail "$1" "\`$3\` not found in:
$2"; fi
}

# check_lacks NAME HAYSTACK NEEDLE (fixed string)
check_lacks() {
  if grep -qF -- "$3" <<< "$2"; then fail "$1" "\`$3\` found in:
$2"; else pass "$1"; fi
}

finish() {
  echo
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

# need TOOL...: exits with a clear message when a host tool is missing.
need() {
  local t missing=()
  for t in "$@"; do command -v "$t" > /dev/null 2>&1 || missing+=("$t"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "missing host tools: ${missing[*]} (apt-get install genimage mtools dosfstools e2fsprogs fdisk jq)" >&2
    exit 2
  fi
}
