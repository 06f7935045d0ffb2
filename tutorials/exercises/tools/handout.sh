#!/bin/sh
# tutorials/exercises/tools/handout.sh NAMES OUT
#
# Writes a student's copy of the repository into OUT (make handout runs it):
#   - every tracked file (git ls-files; without git, every file but build/);
#   - minus what gives answers away: tests/exercise_solutions/ (reference
#     solutions), tests/exercise_handins/ (hand-ins a teacher graded) and
#     tests/exercise_hidden/ (the judges' hidden checks);
#   - in every file, each region marked "ASSIGNMENT <names>/<region>: begin"
#     ... "end" whose names hold an assignment of NAMES (comma-separated)
#     replaced by the section "@@ <file> <region>" of that assignment's
#     tutorials/exercises/skeletons/<name>.txt (cut_regions.awk: a region
#     named by two of NAMES gets the section of the first one it names);
#   - tutorials/exercises/HANDOUT: the assignments handed out, one a line (the
#     suite then does not expect their reference solutions to score 100).
# Refuses to write into a non-empty OUT, to hand out an unknown name, and to
# go on when a region has no section or a section has no region.
set -eu
names=$(printf '%s' "$1" | tr ',' ' ')
out=$2
here=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$here"
skeletons=""
for name in $names; do
  [ -f "tutorials/exercises/graders/${name}_grader.cpp" ] || {
    echo "handout: no assignment '$name' (see tutorials/exercises/README.md)"; exit 1; }
  [ -f "tutorials/exercises/skeletons/$name.txt" ] || {
    echo "handout: assignment '$name' has no tutorials/exercises/skeletons/$name.txt"; exit 1; }
  skeletons="$skeletons tutorials/exercises/skeletons/$name.txt"
done
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then echo "handout: $out is not empty"; exit 1; fi
mkdir -p "$out"
# The file list, minus the answers, copied in one tar pipe (one process, not one per file).
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  git ls-files
else
  find . -type f ! -path './build/*' ! -path './.git/*' | sed 's|^\./||'
fi | grep -v -e '^tests/exercise_solutions/' -e '^tests/exercise_handins/' -e '^tests/exercise_hidden/' | while IFS= read -r file; do
  [ -f "$file" ] && printf '%s\n' "$file"  # deleted but not yet committed: skip
done | tar -cf - -T - | tar -xf - -C "$out"

# The files holding a region of any of NAMES, each cut once, by all of them.
any=$(printf '%s' "$names" | tr ' ' '|')
cut_list=$(mktemp)
trap 'rm -f "$cut_list"' EXIT
grep -rlE --exclude-dir=build --exclude-dir=.git "ASSIGNMENT ([a-z0-9_]+,)*($any)(,[a-z0-9_]+)*/[a-z0-9_]+: begin" "$out" |
  while IFS= read -r file; do printf '%s\n' "${file#"$out"/}"; done | sort > "$cut_list"
while IFS= read -r path; do
  # shellcheck disable=SC2086  # the skeletons are a word list
  awk -v ex="$1" -v path="$path" -f tutorials/exercises/tools/cut_regions.awk $skeletons "$out/$path" \
    > "$out/$path.cut" || { echo "handout: cutting $path failed (see above)"; exit 1; }
  mv "$out/$path.cut" "$out/$path"
  echo "handout: $path: regions cut"
done < "$cut_list"
# A section for a file that holds no region of its assignment: the file was
# renamed, or its markers lost. The cut above checked the files it saw.
for name in $names; do
  sed -n 's/^@@ \([^ ]*\).*/\1/p' "tutorials/exercises/skeletons/$name.txt" | sort -u | while IFS= read -r path; do
    grep -qx -F "$path" "$cut_list" && grep -qE "ASSIGNMENT ([a-z0-9_]+,)*$name(,[a-z0-9_]+)*/" "$path" 2>/dev/null || {
      echo "handout: tutorials/exercises/skeletons/$name.txt has sections for $path, which holds no region of $name"
      exit 1; }
  done || exit 1
  echo "$name" >> "$out/tutorials/exercises/HANDOUT"
done
echo "handout: $(printf '%s' "$names" | wc -w) assignment(s) in $out; give it to the students"
