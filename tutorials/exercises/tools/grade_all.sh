#!/bin/sh
# tutorials/exercises/tools/grade_all.sh EX DIR OUT
#
# Grades every DIR/*.cpp as a hand-in of assignment EX, one at a time, each in
# its own processes (grade_one.sh): a hand-in that does not compile, calls
# what it may not, crashes or loops gets 0 with the reason, and the run goes
# on. Writes OUT/NAME.txt (the report of each hand-in) and OUT/grades.csv:
#   file,score,forbidden calls,seconds
# Same environment as grade_one.sh.
set -u
ex=$1 dir=$2 out=$3
here=$(dirname "$0")
mkdir -p "$out/work"
csv=$out/grades.csv
echo "file,score,forbidden calls,seconds" > "$csv.tmp"
count=0
for src in "$dir"/*.cpp; do
  [ -e "$src" ] || { echo "grade-all: no *.cpp in $dir"; exit 1; }
  name=$(basename "$src" .cpp)
  start=$(date +%s.%N)
  "$here/grade_one.sh" "$ex" "$src" "$out/work" > "$out/$name.txt" 2>&1
  end=$(date +%s.%N)
  score=$(sed -n 's|^score: \([0-9]*\)/100$|\1|p' "$out/$name.txt" | tail -1)
  forbidden=$(paste -s -d ';' "$out/work/$name.forbidden" 2>/dev/null)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  printf '%s,%s,"%s",%s\n' "$src" "${score:-0}" "$forbidden" "$seconds" >> "$csv.tmp"
  printf '%-40s %3s/100  %s\n' "$src" "${score:-0}" "${forbidden:+forbidden: $forbidden}"
  count=$((count + 1))
done
mv "$csv.tmp" "$csv"  # written whole, then renamed: never a half-written grades.csv
echo "graded $count hand-ins of $ex: $csv, one report per hand-in in $out/"
