#!/bin/sh
# tutorials/exercises/tools/handout.sh NAMES OUT
#
# Writes a student's copy of the repository into OUT (make handout runs it):
#   - every tracked file (git ls-files; without git, every file but build/);
#   - minus what gives answers away: tests/exercise_solutions/ (reference
#     solutions) and tests/exercise_handins/ (hand-ins a teacher graded);
#   - for each assignment of NAMES (comma-separated), every region marked
#     "ASSIGNMENT <name>: begin" ... "end", in any file, replaced by its
#     skeleton from tutorials/exercises/skeletons/<name>.txt;
#   - tutorials/exercises/HANDOUT: the assignments handed out, one a line (the
#     suite then does not expect their reference solutions to score 100).
# Refuses to write into a non-empty OUT, and to hand out an unknown name.
set -eu
names=$(printf '%s' "$1" | tr ',' ' ')
out=$2
here=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$here"
for name in $names; do
  [ -f "tutorials/exercises/graders/${name}_grader.cpp" ] || {
    echo "handout: no assignment '$name' (see tutorials/exercises/README.md)"; exit 1; }
  [ -f "tutorials/exercises/skeletons/$name.txt" ] || {
    echo "handout: assignment '$name' has no tutorials/exercises/skeletons/$name.txt"; exit 1; }
done
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then echo "handout: $out is not empty"; exit 1; fi
mkdir -p "$out"
# The file list, minus the answers, copied in one tar pipe (one process, not one per file).
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  git ls-files
else
  find . -type f ! -path './build/*' ! -path './.git/*' | sed 's|^\./||'
fi | grep -v -e '^tests/exercise_solutions/' -e '^tests/exercise_handins/' | while IFS= read -r file; do
  [ -f "$file" ] && printf '%s\n' "$file"  # deleted but not yet committed: skip
done | tar -cf - -T - | tar -xf - -C "$out"
for name in $names; do
  grep -rl --exclude-dir=build --exclude-dir=.git "ASSIGNMENT $name: begin" "$out" | while IFS= read -r file; do
    path=${file#"$out"/}
    awk -v ex="$name" -v path="$path" -f tutorials/exercises/tools/cut_regions.awk \
      "tutorials/exercises/skeletons/$name.txt" "$file" > "$file.cut" || {
      echo "handout: cutting $name out of $path failed (see above)"; exit 1; }
    mv "$file.cut" "$file"
    echo "handout: $path: $name cut"
  done || exit 1
  echo "$name" >> "$out/tutorials/exercises/HANDOUT"
done
echo "handout: $(printf '%s' "$names" | wc -w) assignment(s) in $out; give it to the students"
