// make handout: the students' copy of the repository (tutorials/exercises/README.md).
//
// One hand-out of every assignment is written once per run into
// build/exercises/handout-test/ and checked per assignment, in its suite:
//   - no line that only the assignment's answer holds (the lines of its marked
//     regions and of its reference solution that appear nowhere else in the
//     repository) is anywhere in the copy;
//   - the regions hold the skeleton (a todo naming the assignment);
//   - every file the tool changed still compiles (-fsyntax-only, in the copy).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/helpers/exercise_test_util.h"

namespace fs = std::filesystem;

namespace {

using ex_test::kAssignments;

std::string trim(const std::string& line) {
  const size_t first = line.find_first_not_of(" \t"), last = line.find_last_not_of(" \t\r");
  return first == std::string::npos ? "" : line.substr(first, last - first + 1);
}

// A line worth looking for: code or a comment (a formula is an answer too), long
// enough not to be a brace or a common loop head; not a marker or an #include.
bool is_telling(const std::string& line) {
  return line.size() >= 24 && line.find("ASSIGNMENT ") == std::string::npos &&
         line.rfind("#", 0) != 0 && line.rfind("*", 0) != 0;
}

// The files of the repository (or of a hand-out), by path relative to root.
std::map<std::string, std::vector<std::string>> read_tree(const fs::path& root) {
  std::map<std::string, std::vector<std::string>> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name == "build" || name == ".git")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    const std::string ext = it->path().extension().string();
    if (ext != ".cpp" && ext != ".h" && ext != ".md" && ext != ".txt" && name != "Makefile")
      continue;
    std::istringstream text(ex_test::read_file(it->path()));
    std::vector<std::string>& lines = files[fs::relative(it->path(), root).string()];
    for (std::string line; std::getline(text, line);) lines.push_back(line);
  }
  return files;
}

// A marker line, "ASSIGNMENT name[,name...]/region: begin" (or end), read the
// way tutorials/exercises/tools/cut_regions.awk reads it. This file spells no
// whole marker, so it holds no region of its own.
struct Marker {
  std::vector<std::string> names;  // the assignments the region belongs to
  std::string region;
  bool begin = false;
};

std::optional<Marker> marker_of(const std::string& line) {
  const size_t at = line.find("ASSIGNMENT ");
  if (at == std::string::npos) return std::nullopt;
  const std::string rest = line.substr(at + std::string("ASSIGNMENT ").size());
  const size_t slash = rest.find('/'), colon = rest.find(": ");
  if (slash == std::string::npos || colon == std::string::npos || slash > colon)
    return std::nullopt;
  const std::string which = rest.substr(colon + 2, 5);
  if (which != "begin" && which.substr(0, 3) != "end") return std::nullopt;
  // Lower-case names only, as the tool's: "ASSIGNMENT NAME/REGION" in a comment is no marker.
  auto is_name = [](const std::string& word) {
    return !word.empty() &&
           word.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
  };
  Marker m;
  std::istringstream names(rest.substr(0, slash) + ",");
  for (std::string name; std::getline(names, name, ',');) {
    if (!is_name(name)) return std::nullopt;
    m.names.push_back(name);
  }
  m.region = rest.substr(slash + 1, colon - slash - 1);
  m.begin = which == "begin";
  return is_name(m.region) ? std::optional<Marker>(m) : std::nullopt;
}

// Whether the line begins (which = true) or ends a region that names NAME.
bool marks(const std::string& line, const std::string& name, bool which) {
  const std::optional<Marker> m = marker_of(line);
  return m && m->begin == which &&
         std::find(m->names.begin(), m->names.end(), name) != m->names.end();
}

bool answer_file(const std::string& path) {
  return path.rfind("tests/exercise_solutions/", 0) == 0 ||
         path.rfind("tests/exercise_handins/", 0) == 0;
}

// The lines only NAME's answer holds: inside its regions, or in its reference
// solution, and nowhere else in the repository.
std::set<std::string> answer_lines(const std::map<std::string, std::vector<std::string>>& repo,
                                   const std::string& name) {
  std::set<std::string> candidates;
  std::map<std::string, int> elsewhere;
  for (const auto& [path, lines] : repo) {
    bool inside = false;
    const bool solution = path == "tests/exercise_solutions/" + name + ".cpp";
    for (const std::string& raw : lines) {
      if (marks(raw, name, true)) inside = true;
      const std::string line = trim(raw);
      if ((inside || solution) && is_telling(line))
        candidates.insert(line);
      else if (!answer_file(path))
        ++elsewhere[line];
      if (marks(raw, name, false)) inside = false;
    }
  }
  std::set<std::string> answers;
  for (const std::string& line : candidates)
    if (!elsewhere.count(line)) answers.insert(line);
  return answers;
}

struct Handout {
  fs::path dir;
  ex_test::Run run;
  std::map<std::string, std::vector<std::string>> files;
};

const Handout& handout() {
  static Handout h = [] {
    Handout made;
    made.dir = ex_test::exercise_dir() / "handout-test";
    fs::remove_all(made.dir);
    std::string names;
    for (const std::string& name : kAssignments) names += (names.empty() ? "" : ",") + name;
    made.run = ex_test::make("handout EX=" + names + " OUT=" + made.dir.string());
    made.files = read_tree(made.dir);
    return made;
  }();
  return h;
}

const std::map<std::string, std::vector<std::string>>& repository() {
  static auto repo = read_tree(ex_test::repo_root());
  return repo;
}

void check_handout(const std::string& name) {
  if (ex_test::is_handout()) return;  // a student's copy: its answers are already gone
  const Handout& h = handout();
  INFO("make handout said:\n" << h.run.output);
  REQUIRE(h.run.status == 0);
  CHECK(!fs::exists(h.dir / "tests/exercise_solutions"));
  CHECK(!fs::exists(h.dir / "tests/exercise_handins"));
  const std::set<std::string> answers = answer_lines(repository(), name);
  REQUIRE_MESSAGE(
      !answers.empty(),
      "no line of " << name << "'s answer found in the repository: nothing to look for");
  std::string leaks;  // one assertion for the whole tree: a CHECK per line would be 100,000 of them
  for (const auto& [path, lines] : h.files)
    for (const std::string& line : lines)
      if (answers.count(trim(line))) leaks += path + ": " + trim(line) + "\n";
  CHECK_MESSAGE(leaks.empty(), "lines of " << name << "'s answer in the hand-out:\n" << leaks);
  // Each region of a framework assignment holds the skeleton: a todo that
  // names the assignment. (A function assignment's regions in the library hold
  // a slower stand-in that gives nothing away, or a todo.)
  const bool framework =
      !fs::exists(ex_test::repo_root() / ("tutorials/exercises/" + name + ".cpp"));
  for (const auto& [file_path, lines] : h.files) {
    const std::string& path = file_path;  // clang 14's INFO cannot capture a structured binding
    if (!framework) break;
    // A region whose skeleton is only comments (a formula cut from a comment) needs no todo.
    bool inside = false, todo = false, code = false;
    for (const std::string& line : lines) {
      if (marks(line, name, true))
        inside = true, todo = false, code = false;
      else if (inside && !marks(line, name, false) && !trim(line).empty() &&
               trim(line).rfind("//", 0) != 0 && trim(line).rfind("#include", 0) != 0)
        code = true;
      if (inside && line.find("todo(\"" + name + "\"") != std::string::npos) todo = true;
      if (marks(line, name, false)) {
        CHECK_MESSAGE((todo || !code), path << ": a region of " << name
                                            << " in the hand-out has code but no todo(\"" << name
                                            << "\", ...)");
        inside = false;
      }
    }
  }
}

// Every .cpp the hand-out tool changed compiles, in the copy.
void check_cut_files_compile(const std::string& name) {
  if (ex_test::is_handout()) return;
  const Handout& h = handout();
  std::string files;
  for (const auto& [path, lines] : h.files) {
    if (path.size() < 4 || path.substr(path.size() - 4) != ".cpp") continue;
    bool has_region = false;
    for (const std::string& line : lines) has_region = has_region || marks(line, name, true);
    if (has_region) files += " '" + path + "'";
  }
  if (files.empty()) return;  // no region: the copy's file is the repository's
  ex_test::Run compile = ex_test::run(
      "cd '" + h.dir.string() + "' && for f in" + files +
      "; do ${CXX:-g++} -std=c++20 -march=native -I. -fsyntax-only \"$f\" || exit 1; done");
  INFO(compile.output);
  CHECK(compile.status == 0);
}

}  // namespace

// The compiles take 1-3 s each: make test compiles A1's (`compile_skipped`
// false), make test-grading every assignment's.
#define HANDOUT_CASES(suite, prefix, name, compile_skipped)                                   \
  TEST_SUITE(suite) {                                                                         \
  TEST_CASE(prefix " hand-out: no line of the answer ships, the regions hold the skeleton") { \
    check_handout(name);                                                                      \
  }                                                                                           \
  TEST_CASE(prefix " hand-out: the files cut by make handout compile" *                       \
            doctest::skip(compile_skipped)) {                                                 \
    check_cut_files_compile(name);                                                            \
  }                                                                                           \
  }

HANDOUT_CASES("A1 softmax backward", "A1", "softmax_backward", false)
HANDOUT_CASES("A2 attention forward and backward", "A2", "attention", true)
HANDOUT_CASES("A3 conv2d backward via col2im", "A3", "conv2d_backward", true)
HANDOUT_CASES("A4 batch-norm backward", "A4", "batchnorm_backward", true)
HANDOUT_CASES("A5 SAGAN self-attention", "A5", "self_attention", true)
HANDOUT_CASES("F1 engine", "F1", "engine", true)
HANDOUT_CASES("F2 broadcasting backward", "F2", "broadcast_backward", true)
HANDOUT_CASES("F3 log-softmax and cross-entropy backward", "F3", "log_softmax_cross_entropy", true)
HANDOUT_CASES("F4 layer-norm backward", "F4", "layer_norm_backward", true)
HANDOUT_CASES("F5 max-pool backward", "F5", "max_pool_backward", true)
HANDOUT_CASES("F6 Adam and AdamW step", "F6", "adam", true)
HANDOUT_CASES("F7 multi-head attention", "F7", "multihead_attention", true)

// make grade builds the assignment's grading pipeline first (seconds): make test-grading runs
// these.
TEST_SUITE("A4 batch-norm backward") {
TEST_CASE("make grade SRC=... works on a fresh clone (it makes its own build folder)" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  if (ex_test::is_handout()) return;  // no tests/exercise_solutions/ to hand in
  fs::remove_all(ex_test::exercise_dir() / "handins");
  ex_test::Run graded = ex_test::make(
      "grade EX=batchnorm_backward SRC=tests/exercise_solutions/batchnorm_backward.cpp");
  INFO(graded.output);
  CHECK(graded.status == 0);
  CHECK(ex_test::score_of(graded.output) == 100);
}
}  // TEST_SUITE("A4 batch-norm backward")

// A framework assignment is graded in the student's copy by make grade: the
// grader, then the suite's own tests of that part of the library. Here, on
// the library itself, both pass.
TEST_SUITE("F6 Adam and AdamW step") {
TEST_CASE(
    "F6: make grade EX=adam runs the optim suite, then the grader (100 on attograd's own step)" *
    doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  if (ex_test::is_handout()) return;  // there the step is the student's, and so is its score
  ex_test::Run graded = ex_test::make("grade EX=adam");
  INFO(graded.output);
  CHECK(graded.status == 0);
  CHECK(graded.output.find("\nsuite optim: ") != std::string::npos);  // the pipeline's line
  CHECK(graded.output.find(" 0 failed") != std::string::npos);
  CHECK(ex_test::score_of(graded.output) == 100);
}
}  // TEST_SUITE("F6 Adam and AdamW step")

// The house rules of the markers, over every .cpp and .h of the repository:
// regions do not nest, and each holds code. A region that holds only a
// comment means a formula written twice: it belongs beside its textbook loop
// (core/reference/<family>_naive.cpp), once, and the other places point there.
TEST_SUITE("exercises.cut") {
TEST_CASE("every region of the repository holds code, and no region is inside another") {
  if (ex_test::is_handout()) return;  // a student's copy: some regions hold a skeleton's comment
  int regions = 0;
  for (const auto& [file_path, lines] : repository()) {
    const std::string& path = file_path;  // clang 14's INFO cannot capture a structured binding
    const std::string ext = fs::path(path).extension().string();
    if (ext != ".cpp" && ext != ".h") continue;
    std::string open;  // the region we are in, "" outside
    bool code = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::optional<Marker> m = marker_of(lines[i]);
      const std::string where = path + ":" + std::to_string(i + 1);
      if (m && m->begin) {
        CHECK_MESSAGE(open.empty(),
                      where << ": region " << m->region << " begins inside region " << open);
        open = m->region, code = false;
        ++regions;
      } else if (m) {
        CHECK_MESSAGE(m->region == open,
                      where << ": end of region " << m->region << " while " << open << " is open");
        CHECK_MESSAGE(code, where << ": region " << m->region
                                  << " holds only comments (a formula written twice?)");
        open.clear();
      } else if (!open.empty() && !trim(lines[i]).empty() && trim(lines[i]).rfind("//", 0) != 0) {
        code = true;
      }
    }
    CHECK_MESSAGE(open.empty(), path << ": region " << open << " has no end");
  }
  CHECK(regions > 0);  // the scan found the markers at all
}
}  // TEST_SUITE("exercises.cut")
