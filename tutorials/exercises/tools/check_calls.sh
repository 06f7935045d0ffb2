#!/bin/sh
# tutorials/exercises/tools/check_calls.sh EX OBJECT
#
# The integrity rule of the classroom: a hand-in may call only what its
# assignment allows (tutorials/exercises/base.allow + EX.allow). The object
# file says what it calls: its undefined symbols (nm -C --undefined-only).
# Prints one line per forbidden call, e.g.
#   softmax_backward: your code calls ag::Tensor::backward, which this assignment asks you to write
# and exits 1 when there is any; prints nothing and exits 0 otherwise.
# A line "write REGEX" of EX.allow names what the assignment asks the student
# to write (a call to it gets that message); every other line is allowed.
# FORBIDDEN_OUT=<file>, when set, receives the forbidden names, one a line.
set -u
ex=$1 object=$2
here=$(dirname "$0")/..
patterns=$(mktemp) answers=$(mktemp) symbols=$(mktemp)
trap 'rm -f "$patterns" "$answers" "$symbols"' EXIT
cat "$here/base.allow" "$here/$ex.allow" | grep -v -e '^#' -e '^[[:space:]]*$' -e '^write ' > "$patterns"
sed -n 's/^write //p' "$here/$ex.allow" > "$answers"
[ -s "$answers" ] || echo '^$' > "$answers"  # grep -f with no pattern would match nothing anyway
nm -C --undefined-only "$object" | sed 's/^ *[Uw] //' | sort -u > "$symbols" || exit 2
: > "${FORBIDDEN_OUT:=/dev/null}"
# One grep for the allowed names; only the rest is looked at one by one.
status=0
grep -v -E -f "$patterns" "$symbols" | while IFS= read -r symbol; do
  [ -z "$symbol" ] && continue
  name=$(printf '%s\n' "$symbol" | sed 's/(.*//')   # ag::Tensor::backward(...) const -> ag::Tensor::backward
  if printf '%s\n' "$symbol" | grep -q -E -f "$answers"; then
    why="which this assignment asks you to write"
  else
    why="which this assignment does not allow (see tutorials/exercises/base.allow and $ex.allow)"
  fi
  echo "$ex: your code calls $name, $why"
  printf '%s\n' "$name" >> "$FORBIDDEN_OUT"
done
grep -q -v -E -f "$patterns" "$symbols" && status=1
exit $status
