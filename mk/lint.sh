#!/bin/sh
# mk/lint.sh [FILE...]: the house's two size rules (make lint runs it).
#
# With no FILE it checks every tracked .cpp and .h (git ls-files; outside git,
# every such file but build/), except the fuzzers' seed corpus. Each offender
# is one line, then a count; the exit status is 1 if there was any:
#   core/ops/matmul.cpp: 416 lines (budget 400)
#   core/tensor.h:12: 104 columns (limit 100)
set -eu

# The two limits, here and nowhere else.
# A file a student reads in one sitting: most stay under 300 lines, none
# goes past 400 (a larger one holds two ideas: split it).
MAX_LINES=400
# A line that fits beside another file on a laptop screen, in a side-by-side
# diff and on a printed page; clang-format's ColumnLimit is the same.
MAX_COLUMNS=100

list_files() {
  if [ $# -gt 0 ]; then printf '%s\n' "$@"; return; fi
  cd "$(dirname "$0")/.."
  if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    git ls-files '*.cpp' '*.h'
  else
    find . -type f \( -name '*.cpp' -o -name '*.h' \) ! -path './build/*' | sed 's|^\./||'
  fi | grep -v '^tests/fuzz/corpus/'
}

# One file name a line in; awk reads each file itself. Columns are
# characters: in the C locale awk counts bytes, so the UTF-8 continuation
# bytes (0x80-0xBF) of a character like × or é are taken out first.
list_files "$@" | LC_ALL=C awk -v max_lines="$MAX_LINES" -v max_columns="$MAX_COLUMNS" '
  {
    file = $0
    lines = 0
    status = (getline text < file)
    if (status < 0) { print file ": cannot be read"; unreadable++; next }
    while (status > 0) {
      lines++
      sub(/\r$/, "", text)
      gsub(/[\200-\277]/, "", text)
      if (length(text) > max_columns) {
        print file ":" lines ": " length(text) " columns (limit " max_columns ")"
        wide_lines++
      }
      status = (getline text < file)
    }
    close(file)
    if (lines > max_lines) { print file ": " lines " lines (budget " max_lines ")"; long_files++ }
  }
  END {
    if (long_files + wide_lines + unreadable == 0) exit 0
    print "lint: " long_files + 0 " files over " max_lines " lines, " wide_lines + 0 " lines over " max_columns " columns"
    exit 1
  }'
