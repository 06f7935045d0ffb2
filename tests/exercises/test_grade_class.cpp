// The grading pipeline end to end (tutorials/exercises/tools/grading/,
// mk/grading.mk): make grade-all over a folder of A1 hand-ins, each row's
// score and reason asserted.
//
// Two classes. `make test` grades a small one: one hand-in per reason a row
// can give (100, wrong, threw, empty, compile error, a forbidden include,
// call and code, a breach, a timeout, memory), so that a regression in any
// path of the pipeline shows there, in seconds. `make test-grading` (these
// cases are skipped otherwise) grades the mixed class: every fixture of
// tests/exercise_handins/pipeline/ and attacks/ (an honest hand-in using the
// standard library's internals, include cheats, a symbol-table pointer call,
// a verdict written to the result pipe, the sandbox's attacks), then checks
// the gradebook and the build intact afterwards, and a rerun byte-identical.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/helpers/exercise_test_util.h"
#include "tutorials/exercises/sandbox/sandbox.h"

namespace fs = std::filesystem;

namespace {

// A file's size and bytes: "the same file" before and after a class is graded.
std::string fingerprint(const fs::path& path) {
  return fs::exists(path) ? std::to_string(fs::file_size(path)) + ":" + ex_test::read_file(path)
                          : "missing";
}

struct Graded {
  fs::path dir, out;
  ex_test::Run run;
  std::string csv, summary;
  bool build_intact = false, old_gradebook_intact = false;
};

// A hand-in: a file of the repository, and its name in the class's folder.
using Handin = std::pair<fs::path, std::string>;
Handin as_is(const fs::path& file) { return {file, file.filename().string()}; }

// grade-all over build/exercises/NAME/handins, which holds `handins`.
Graded grade_class(const std::string& name, const std::vector<Handin>& handins) {
  Graded made;
  made.dir = ex_test::exercise_dir() / name / "handins";
  made.out = made.dir.parent_path() / "grades";
  fs::remove_all(made.dir.parent_path());
  fs::create_directories(made.dir);
  for (const Handin& h : handins)
    fs::copy_file(ex_test::repo_root() / h.first, made.dir / h.second);
  // An earlier class's gradebook beside this one's: the gradebook attack looks for *.csv.
  fs::create_directories(made.out / "work");
  std::ofstream(made.out / "work/earlier_class.csv") << "file,score\nbob.cpp,73\n";
  const fs::path build = ex_test::exercise_dir().parent_path();
  const std::vector<fs::path> kept = {build / "libattograd.a",
                                      build / "grading/softmax_backward/librest.a"};
  // Built first (on a fresh clone the first grade-all makes librest.a), so
  // that any change the grading makes to them is the hand-ins' doing.
  for (const fs::path& file : kept) {
    const ex_test::Run built = ex_test::make(fs::relative(file, ex_test::repo_root()).string());
    INFO(built.output);
    REQUIRE(built.status == 0);
  }
  std::vector<std::string> before;
  for (const fs::path& file : kept) before.push_back(fingerprint(file));
  made.run = ex_test::make("grade-all EX=softmax_backward DIR=" + made.dir.string() +
                           " OUT=" + made.out.string());
  made.csv = ex_test::read_file(made.out / "grades.csv");
  made.summary = ex_test::read_file(made.out / "summary.md");
  made.build_intact = true;
  for (size_t i = 0; i < kept.size(); ++i)
    made.build_intact = made.build_intact && fingerprint(kept[i]) == before[i];
  made.old_gradebook_intact =
      ex_test::read_file(made.out / "work/earlier_class.csv") == "file,score\nbob.cpp,73\n";
  return made;
}

const Handin kReference = {"tests/exercise_solutions/softmax_backward.cpp", "reference.cpp"};
const Handin kSkeleton = {"tutorials/exercises/softmax_backward.cpp", "skeleton.cpp"};

// One hand-in per reason (make test).
const Graded& small_class() {
  static const Graded graded = [] {
    std::vector<Handin> handins = {
        kReference,
        kSkeleton,
        as_is("tests/exercise_handins/softmax_backward/off_by_one.cpp"),
        as_is("tests/exercise_handins/softmax_backward/cheat_autograd.cpp"),
        as_is("tests/exercise_handins/softmax_backward/does_not_compile.cpp"),
        as_is("tests/exercise_handins/pipeline/empty.cpp"),
        as_is("tests/exercise_handins/pipeline/include_solution.cpp"),
        as_is("tests/exercise_handins/pipeline/fd_verdict.cpp"),
        as_is("tests/exercise_handins/attacks/socket.cpp"),
        as_is("tests/exercise_handins/attacks/loop_in_constructor.cpp")};
    // Under ASan there is no RLIMIT_AS (sandbox.h): the hog would take the machine's memory.
    if (sandbox::memory_limit_applies())
      handins.push_back(as_is("tests/exercise_handins/attacks/memory_hog.cpp"));
    return grade_class("grading-small", handins);
  }();
  return graded;
}

// Every fixture (make test-grading).
const Graded& mixed_class() {
  static const Graded graded = [] {
    std::vector<Handin> handins = {kReference, kSkeleton,
                                   as_is("tests/exercise_handins/softmax_backward/off_by_one.cpp")};
    for (const char* folder : {"tests/exercise_handins/pipeline", "tests/exercise_handins/attacks"})
      for (const auto& entry : fs::directory_iterator(ex_test::repo_root() / folder))
        if (entry.path().extension() == ".cpp")
          handins.push_back(as_is(fs::path(folder) / entry.path().filename()));
    return grade_class("grading-mixed", handins);
  }();
  return graded;
}

// A row's score and reason (the last field), split at commas outside quotes.
struct Cells {
  int score = -1;
  std::string reason;
};

Cells cells(const Graded& graded, const std::string& file) {
  std::istringstream lines(graded.csv);
  std::string row;
  for (std::string line; row.empty() && std::getline(lines, line);)
    if (line.find("/" + file + ",") != std::string::npos) row = line;
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : row) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      fields.emplace_back();
    else
      fields.back() += c;
  }
  Cells got;
  if (fields.size() < 5) return got;
  got.score = std::atoi(fields[1].c_str());
  got.reason = fields.back();
  return got;
}

std::string report(const Graded& graded, const std::string& name) {
  return ex_test::read_file(graded.out / (name + ".txt"));
}

// The rows both classes share, by file: the score and the reason.
const std::map<std::string, std::pair<int, std::string>> kExpectedRows = {
    {"reference.cpp", {100, ""}},
    {"honest_stdlib.cpp", {100, ""}},
    {"skeleton.cpp", {0, "threw"}},
    {"off_by_one.cpp", {0, "wrong"}},
    {"does_not_compile.cpp", {0, "compile error"}},
    {"empty.cpp", {0, "empty"}},
    {"include_solution.cpp", {0, "forbidden include"}},
    {"include_library_source.cpp", {0, "forbidden include"}},
    {"include_absolute.cpp", {0, "forbidden include"}},
    {"fd_verdict.cpp", {0, "breach: tried to open a file for writing"}},
    {"fork_grandchild.cpp", {0, "forbidden code"}},
    {"socket.cpp", {0, "forbidden code"}},
    {"early_constructor.cpp", {0, "forbidden code"}},
    {"loop_in_constructor.cpp", {0, "timeout"}},
    {"memory_hog.cpp", {0, "memory"}},
    {"proc_self_mem.cpp", {0, "breach: tried to open a file for writing"}},
    {"write_gradebook.cpp", {0, "breach: tried to open a file for writing"}},
    {"sabotage_build.cpp", {0, "breach: tried to rename, delete or change a file"}}};

// The reason a row gives. Built with LLVM's libc++ (make STDLIB=libc++), a
// hand-in's std::fstream compiles to calls of fopen, fread and fclose in the
// hand-in's own object, which tutorials/exercises/base.allow does not list:
// the hand-ins that open files through fstream are refused by the allow-list
// before their runner starts, so the sandbox never sees (or names) the breach.
bool reason_matches(const std::string& file, const std::string& got,
                    const std::string& with_libstdcxx) {
#ifdef _LIBCPP_VERSION
  for (const char* uses_fstream : {"fd_verdict.cpp", "proc_self_mem.cpp", "write_gradebook.cpp"})
    if (file == uses_fstream && with_libstdcxx.rfind("breach:", 0) == 0)
      return got.rfind("forbidden call: ", 0) == 0 && got.find("fopen") != std::string::npos;
#else
  (void)file;
#endif
  return got == with_libstdcxx;
}

// Every row of the class that kExpectedRows knows; returns how many it checked.
int check_rows(const Graded& graded) {
  int checked = 0;
  for (const auto& entry : kExpectedRows) {  // no structured binding: clang 14's CHECK
    const std::string& file = entry.first;
    if (!fs::exists(graded.dir / file)) continue;
    const Cells got = cells(graded, file);
    CHECK_MESSAGE(got.score == entry.second.first, file << ": " << got.score);
    CHECK_MESSAGE(reason_matches(file, got.reason, entry.second.second),
                  file << ": " << got.reason);
    ++checked;
  }
  return checked;
}

#define SKIP_IN_HANDOUT()                                            \
  if (ex_test::is_handout()) {                                       \
    MESSAGE("a student's copy: no solutions, no fixtures to grade"); \
    return;                                                          \
  }

}  // namespace

TEST_SUITE("exercises.grading") {
TEST_CASE("grade-all over a small class: one hand-in per reason, each row's score and reason") {
  if (ex_test::build_mode() == "asan") {  // (mk/tools.mk)
    MESSAGE(
        "skipped under ASan: every sanitized hand-in object carries ASan's prioritised "
        "module constructor, which the grading tool refuses as forbidden code");
    return;
  }
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  if (ex_test::skip_unless_runners_are_confined()) return;  // its rows name breaches
  SKIP_IN_HANDOUT();
  const Graded& g = small_class();
  INFO("make grade-all said:\n" << g.run.output << "\ngrades.csv:\n" << g.csv);
  REQUIRE(g.run.status == 0);
  const int handins = sandbox::memory_limit_applies() ? 11 : 10;
  CHECK(check_rows(g) == handins - 1);  // all but cheat_autograd's, whose reason is below
  // The gradebook: a header (a column per check, then the reason), one line per hand-in.
  CHECK(g.csv.rfind("file,score,", 0) == 0);
  CHECK(g.csv.find(",reason\n") != std::string::npos);
  CHECK(g.run.output.find("graded " + std::to_string(handins) + " hand-ins of softmax_backward") !=
        std::string::npos);
  CHECK(g.summary.find("# softmax_backward: ") == 0);
  // The words that explain each refusal and each wrong answer.
  CHECK(cells(g, "cheat_autograd.cpp").reason.rfind("forbidden call: ag::Tensor::backward", 0) ==
        0);
  CHECK(report(g, "cheat_autograd")
            .find("softmax_backward: your code calls ag::Tensor::backward, which this "
                  "assignment asks you to write") != std::string::npos);
  CHECK(report(g, "off_by_one").find("invariant broken: the entries of each row of dx sum to 0") !=
        std::string::npos);
  CHECK(report(g, "off_by_one").find("hint: in each row, got - expected = c * y") !=
        std::string::npos);
  CHECK(report(g, "does_not_compile").find("your file does not compile") != std::string::npos);
  CHECK(report(g, "does_not_compile").find("error: expected") != std::string::npos);
  CHECK(report(g, "socket").find("your file uses inline assembly (asm, line") != std::string::npos);
  if (sandbox::memory_limit_applies())
    CHECK(report(g, "memory_hog").find("not run: an earlier check used more than 2 GiB") !=
          std::string::npos);
  CHECK(g.build_intact);
}

TEST_CASE("grade-all over a mixed class: every row's score and reason" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  if (ex_test::skip_unless_runners_are_confined()) return;  // its rows name breaches
  SKIP_IN_HANDOUT();
  const Graded& m = mixed_class();
  INFO("make grade-all said:\n" << m.run.output << "\ngrades.csv:\n" << m.csv);
  REQUIRE(m.run.status == 0);
  CHECK(check_rows(m) >= 14);
  // The pointer call reaches the cut library's todo; where the sandbox hides /proc/self/exe
  // (Landlock) it finds nothing to call and writes nothing.
  const Cells pointer = cells(m, "symbol_pointer.cpp");
  CHECK(pointer.score == 0);
  CHECK((pointer.reason == "threw" || pointer.reason == "wrong"));
  if (pointer.reason == "threw")
    CHECK(report(m, "symbol_pointer").find("(cut from the grading runner)") != std::string::npos);
  // The messages that name the cheat.
  CHECK(report(m, "include_library_source")
            .find("your file includes core/reference/softmax_naive."
                  "cpp, which is not one of the headers") != std::string::npos);
  // Its raw syscall is inline assembly, refused before it compiles (the object
  // check's syscall-instruction search stays as a second line).
  CHECK(report(m, "socket").find("your file uses inline assembly (asm, line") != std::string::npos);
  // After the first check that runs out of memory, the rest are not run (test_judge.cpp:
  // after two timeouts in a row).
  CHECK(report(m, "memory_hog").find("not run: an earlier check used more than 2 GiB") !=
        std::string::npos);
  CHECK(report(m, "early_constructor").find("a .preinit_array section") != std::string::npos);
  CHECK(report(m, "early_constructor").find("a prioritised constructor") != std::string::npos);
  CHECK(report(m, "early_constructor").find("an IFUNC symbol") != std::string::npos);
  // A score printed by the hand-in is no score: the report's last line is the judge's count.
  const std::string forged = report(m, "score_in_destructor");
  CHECK(forged.substr(forged.rfind("score: ")) ==
        "score: " + std::to_string(cells(m, "score_in_destructor.cpp").score) + "/100\n");
}

TEST_CASE("grade-all over a mixed class: the gradebook and the build are intact" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  if (ex_test::skip_unless_runners_are_confined()) return;  // its rows name breaches
  SKIP_IN_HANDOUT();
  const Graded& m = mixed_class();
  CHECK(m.build_intact);
  CHECK(m.old_gradebook_intact);
  CHECK(!fs::exists(m.out / "grades.csv.tmp"));
  CHECK(m.summary.find("# softmax_backward: ") == 0);
  // A rerun of a few hand-ins writes byte-identical files.
  const fs::path again = m.dir.parent_path() / "again";
  fs::create_directories(again / "handins");
  for (const char* file : {"reference.cpp", "off_by_one.cpp", "empty.cpp"})
    fs::copy_file(m.dir / file, again / "handins" / file);
  for (const char* out : {"first", "second"})
    CHECK(ex_test::make("grade-all EX=softmax_backward DIR=" + (again / "handins").string() +
                        " OUT=" + (again / out).string())
              .status == 0);
  for (const char* file : {"grades.csv", "summary.md"})
    CHECK(ex_test::read_file(again / "first" / file) ==
          ex_test::read_file(again / "second" / file));
}
}  // TEST_SUITE("exercises.grading")
