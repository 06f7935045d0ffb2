#!/bin/sh
# tutorials/exercises/tools/grade_one.sh EX SRC WORKDIR
#
# Grades one hand-in: compile SRC, refuse it if it calls what assignment EX
# does not allow (check_calls.sh), link it with EX's grader, run the grader.
# Prints the report; its last line is always "score: N/100", whatever went
# wrong (a compile error, a forbidden call, a link error, a crash): the
# reason is in the report and the score is 0. WORKDIR receives the object,
# the program and NAME.forbidden (the forbidden calls, one a line).
# The Makefile runs it (make grade SRC=..., make grade-all) with CXX,
# CXXFLAGS, LDFLAGS and GRADER_LINK (the grader objects and the library).
set -u
ex=$1 src=$2 work=$3
here=$(dirname "$0")
mkdir -p "$work"
name=$(basename "$src" .cpp)
object=$work/$name.o program=$work/$name log=$work/$name.log
rm -f "$object" "$program" "$work/$name.forbidden"
: > "$work/$name.forbidden"

refuse() {  # refuse REASON: a report worth 0, with the reason and its details (the log)
  echo "Assignment $ex"
  echo "student file: $src"
  echo
  echo "  [  0/100] FAIL  $1"
  [ -s "$log" ] && sed -e 's/^/              /' "$log" | head -40
  echo
  echo "score: 0/100"
  exit 0
}

# shellcheck disable=SC2086  # the flags are word lists
$CXX $CXXFLAGS -c "$src" -o "$object" > "$log" 2>&1 || refuse "your file does not compile:"
FORBIDDEN_OUT=$work/$name.forbidden "$here/check_calls.sh" "$ex" "$object" > "$log" 2>&1 ||
  refuse "your code calls what this assignment does not allow:"
# shellcheck disable=SC2086
$CXX "$object" $GRADER_LINK $LDFLAGS -o "$program" > "$log" 2>&1 ||
  refuse "your file does not link with the grader (a function of the interface missing or renamed?):"
# Each check stops itself after 5 s; the whole grader gets 300 s at most.
if [ -n "${JUDGE:-}" ]; then  # a judged assignment: the program is the runner, JUDGE grades it
  timeout 300 "$JUDGE" --runner "$program" --student "$src" > "$log" 2>&1
else
  timeout 300 "$program" "$src" > "$log" 2>&1
fi
status=$?
if grep -q '^score: ' "$log"; then
  cat "$log"
else
  mv "$log" "$log.run"
  { tail -20 "$log.run"; echo "(the grader ended with status $status without a score)"; } > "$log"
  refuse "the grader itself stopped (exit status $status):"
fi
