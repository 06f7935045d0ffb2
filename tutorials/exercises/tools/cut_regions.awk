# tutorials/exercises/tools/cut_regions.awk: replace assignment regions by their skeletons.
#
#   awk -v ex=NAME[,NAME...] -v path=core/autograd.cpp -f cut_regions.awk SKELETON... FILE
#
# A region of FILE is the lines between two marker lines that name it,
#   // ASSIGNMENT NAME,OTHER_NAME/REGION: begin
#   ...
#   // ASSIGNMENT NAME,OTHER_NAME/REGION: end
# (in lower case: core/reference/norm_naive.cpp has one): the assignments it
# belongs to, comma-separated, then its own name, unique in FILE. Each
# SKELETON is tutorials/exercises/skeletons/NAME.txt for one NAME of ex (the
# file's name is the assignment's); its section headed "@@ PATH REGION" is
# what replaces region REGION of the file PATH.
#
# Every region that names an assignment of ex is replaced by the section of
# the first assignment on its marker that ex holds (the marker lines are kept,
# so the student sees the seam); other regions are left alone. The
# "#include" lines that open a section go after FILE's last #include (once,
# and not if FILE has it already), not into the region: a skeleton's
# ag::todo needs core/error.h, the library does not.
#
# Sections are matched to regions by name, never by position. Anything
# doubtful is an error, printed as "file:line: ..." on stderr, and the exit
# status is then 1 with nothing on stdout: a region without its section, a
# section without its region, two regions or two sections of one name, a
# region inside another, a begin without its end or an end without its begin,
# a marker that is not "ASSIGNMENT NAME[,NAME...]/REGION: begin|end".

function problem(where, what) {
  print where ": " what > "/dev/stderr"
  failed = 1
}

BEGIN {
  target = ARGV[ARGC - 1]  # the last argument is the file to cut; the ones before are skeletons
  count = split(ex, handed, ",")
  for (i = 1; i <= count; ++i) handed_out[handed[i]] = i
}

# ---------------------------------------------------------------- the skeletons
FILENAME != target && FNR == 1 {
  assignment = FILENAME
  sub(/.*\//, "", assignment)
  sub(/\.txt$/, "", assignment)
  skeleton_of[assignment] = FILENAME
  section = ""
}
FILENAME != target && /^@@/ {
  section = ""
  if (NF != 3 || $1 != "@@") {
    problem(FILENAME ":" FNR, "a section header is '@@ PATH REGION', not '" $0 "'")
    next
  }
  section = assignment SUBSEP $2 SUBSEP $3
  if (section in text) problem(FILENAME ":" FNR, "a second section '" $0 "' (a region has one)")
  text[section] = ""
  includes[section] = ""
  opening[section] = 1
  if ($2 == path && assignment in handed_out) header_at[section] = FILENAME ":" FNR
  next
}
FILENAME != target {
  if (section == "") next  # the lines before the first section: comments, "@tests ..."
  if (opening[section] && /^#include[ \t]/) {
    includes[section] = includes[section] $0 "\n"
    next
  }
  opening[section] = 0
  text[section] = text[section] $0 "\n"
  next
}

# ---------------------------------------------------------------- the file to cut
{
  line[++lines] = $0
  if (/^#include[ \t]/) {
    last_include = lines
    has_include[$1 " " $2] = 1
  }
}
/ASSIGNMENT [a-z0-9_]+(,[a-z0-9_]+)*\/[a-z0-9_]+: (begin|end)/ {
  match($0, /ASSIGNMENT [a-z0-9_]+(,[a-z0-9_]+)*\/[a-z0-9_]+: (begin|end)/)
  marker = substr($0, RSTART + length("ASSIGNMENT "), RLENGTH - length("ASSIGNMENT "))
  colon = index(marker, ": ")
  which = substr(marker, colon + 2)
  slash = index(marker, "/")
  names = substr(marker, 1, slash - 1)
  region = substr(marker, slash + 1, colon - slash - 1)
  where = path ":" lines
  if (which == "begin") {
    if (open != "") problem(where, "region " region " begins inside region " open " (regions do not nest)")
    if (region in begin_line)
      problem(where, "a second region named " region " (the first begins on line " begin_line[region] ")")
    open = region
    open_names = names
    begin_line[region] = lines
    names_of[region] = names
    region_at[lines] = region
  } else if (open == "") {
    problem(where, "end of region " region " without its begin")
  } else if (region != open || names != open_names) {
    problem(where, "end of " names "/" region " while region " open_names "/" open " is open")
  } else {
    end_line[region] = lines
    open = ""
  }
  next
}
/ASSIGNMENT [^:]*: *(begin|end)/ {
  problem(path ":" lines, "a marker is 'ASSIGNMENT NAME[,NAME...]/REGION: begin' (or end), not '" $0 "'")
}

END {
  if (open != "") problem(path ":" begin_line[open], "region " open " has no end")
  if (failed) exit 1  # the regions themselves are wrong: matching sections to them would only add noise
  # Which section replaces each region.
  for (at = 1; at <= lines; ++at) {
    if (!(at in region_at)) continue
    region = region_at[at]
    count = split(names_of[region], listed, ",")
    chosen = ""
    for (i = 1; i <= count; ++i) {
      covered[listed[i], region] = 1
      if (chosen == "" && listed[i] in handed_out) chosen = listed[i]
    }
    if (chosen == "") continue
    section = chosen SUBSEP path SUBSEP region
    if (!(section in text)) {
      problem(path ":" at, "region " region " of " chosen " has no section '@@ " path " " region "' in " \
              (chosen in skeleton_of ? skeleton_of[chosen] : "tutorials/exercises/skeletons/" chosen ".txt"))
      continue
    }
    replacement[region] = section
    hoisted = hoisted includes[section]
  }
  # Every section of this file must have its region.
  for (section in header_at) {
    split(section, key, SUBSEP)
    if (!((key[1], key[3]) in covered))
      problem(header_at[section], "section '@@ " path " " key[3] "': " path " has no region " key[3] \
              " of " key[1])
  }
  # The includes the sections need, each once, minus those FILE has.
  count = split(hoisted, wanted, "\n")
  extra = ""
  for (i = 1; i <= count; ++i) {
    if (wanted[i] == "") continue
    split(wanted[i], field, /[ \t]+/)
    if ((field[1] " " field[2]) in has_include) continue
    has_include[field[1] " " field[2]] = 1
    extra = extra wanted[i] "\n"
  }
  if (extra != "" && last_include == 0) problem(path, "no #include line to put the skeleton's includes after")
  if (failed) exit 1

  for (at = 1; at <= lines; ++at) {
    print line[at]
    if (at == last_include) printf "%s", extra
    if (at in region_at && region_at[at] in replacement) {
      region = region_at[at]
      printf "%s", text[replacement[region]]
      at = end_line[region]
      print line[at]
    }
  }
}
