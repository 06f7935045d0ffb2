# tutorials/exercises/tools/cut_regions.awk: replace assignment regions by their skeleton.
#
#   awk -v ex=NAME -v path=core/autograd.cpp -f cut_regions.awk SKELETONS FILE
#
# FILE's lines from "ASSIGNMENT NAME: begin" to "ASSIGNMENT NAME: end" (the
# marker lines themselves are kept, so the student sees the seam) are
# replaced by a section of SKELETONS (tutorials/exercises/skeletons/NAME.txt):
# the k-th region of FILE by the k-th section headed "@@ path". Lines before
# the first "@@" (comments, "@tests ...") are not part of any section.
# Exits 1, with a message, on a region left open, an end without a begin, or
# a region without its section; the output is then incomplete.
FNR == NR {  # the skeletons file
  if ($0 ~ /^@@ /) { section_file = substr($0, 4); sections[section_file]++; in_section = 1; next }
  if (in_section) text[section_file, sections[section_file]] = text[section_file, sections[section_file]] $0 "\n"
  next
}
index($0, "ASSIGNMENT " ex ": begin") {
  if (inside) { print path ":" FNR ": region of " ex " opened twice" > "/dev/stderr"; failed = 1; exit 1 }
  inside = 1; ++region; print
  if (!((path, region) in text)) {
    print path ":" FNR ": region " region " of " ex " has no skeleton (no section " region " headed '@@ " path "')" > "/dev/stderr"
    failed = 1; exit 1
  }
  printf "%s", text[path, region]
  next
}
index($0, "ASSIGNMENT " ex ": end") {
  if (!inside) { print path ":" FNR ": end of " ex " without a begin" > "/dev/stderr"; failed = 1; exit 1 }
  inside = 0; print; next
}
!inside { print }
END {
  if (failed) exit 1
  if (inside) { print path ": region of " ex " is never closed" > "/dev/stderr"; exit 1 }
}
