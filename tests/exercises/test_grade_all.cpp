// The grading pipeline (tutorials/exercises/tools/grading/, mk/grading.mk).
//
// Two halves. The tool's own logic, linked into the suite (no process): the
// dependency list the compiler writes, which includes a hand-in may have, a
// judge's result file, the gradebook's files. Then the pipeline end to end:
// make grade-all over a mixed folder of A1 hand-ins (the reference solution,
// a common bug, an honest hand-in using the standard library's internals,
// include cheats, a symbol-table pointer call, a verdict written to the
// result pipe, an empty file, and tests/exercise_handins/attacks/ when it is
// there), each row's score and reason asserted, the gradebook and the build
// intact afterwards, and a rerun byte-identical.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/helpers/exercise_test_util.h"
#include "tutorials/exercises/tools/grading/gradebook.h"
#include "tutorials/exercises/tools/grading/handin_checks.h"
#include "tutorials/exercises/tools/grading/judge_result.h"

namespace fs = std::filesystem;

namespace {

// A scratch folder under build/exercises/, emptied.
fs::path scratch(const std::string& name) {
  const fs::path dir = ex_test::exercise_dir() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST_SUITE("exercises.grading") {
TEST_CASE("the compiler's dependency list is read as make writes it") {
  const std::string depfile =
      "/w/handin.o: /w/handin.cpp /h/tutorials/exercises/softmax_backward.h \\\n"
      " /usr/include/c++/12/vector /h/core/a\\ b.h\n";
  const std::vector<std::string> expected = {"/w/handin.cpp",
                                             "/h/tutorials/exercises/softmax_backward.h",
                                             "/usr/include/c++/12/vector", "/h/core/a b.h"};
  CHECK(grading::dependencies(depfile) == expected);
}

TEST_CASE("a hand-in may include the hand-out's headers and the standard library, nothing else") {
  const fs::path dir = scratch("grading-includes");
  for (const char* file :
       {"handout/core/tensor.h", "handout/core/reference/softmax_naive.cpp",
        "handout/tutorials/exercises/softmax_backward.h", "handout/tutorials/exercises/attention.h",
        "handout/tests/x.h", "system/vector", "work/handin.cpp", "elsewhere/answer.h"})
    write(dir / file, "\n");
  const std::vector<std::string> system = {(dir / "system").string()};
  auto check = [&](const std::string& dep) {
    return grading::check_includes({(dir / "work/handin.cpp").string(), (dir / dep).string()},
                                   (dir / "work/handin.cpp").string(), (dir / "handout").string(),
                                   "softmax_backward", system);
  };
  CHECK(check("handout/core/tensor.h") == "");
  CHECK(check("handout/tutorials/exercises/softmax_backward.h") == "");
  CHECK(check("system/vector") == "");
  CHECK(check("handout/core/reference/softmax_naive.cpp") ==
        "your file includes core/reference/softmax_naive.cpp, which is not one of the headers "
        "this assignment gives you");
  CHECK(check("handout/tutorials/exercises/attention.h") ==
        "your file includes tutorials/exercises/attention.h, which is not one of the headers "
        "this assignment gives you");
  CHECK(check("handout/tests/x.h") ==
        "your file includes tests/x.h, which is not one of the headers this assignment gives you");
  CHECK(check("elsewhere/answer.h") == "your file includes " +
                                           (dir / "elsewhere/answer.h").string() +
                                           ", which is not one of the headers this assignment "
                                           "gives you");
  // A path through ".." that lands in the hand-out is judged by where it lands.
  CHECK(check("work/../handout/core/tensor.h") == "");
  // Relative names are relative to the compiler's folder (ccache writes them so).
  CHECK(grading::check_includes({"handin.cpp", "../handout/core/tensor.h"},
                                (dir / "work/handin.cpp").string(), (dir / "handout").string(),
                                "softmax_backward", system) == "");
}

TEST_CASE("an #include the hand-out lacks is forbidden when it points outside it") {
  const std::string root = ex_test::repo_root().string();
  CHECK(grading::missing_include_refusal(
            "h.cpp:1:10: fatal error: tests/exercise_solutions/softmax_backward.cpp: No such "
            "file or directory\n",
            root) ==
        "your file includes tests/exercise_solutions/softmax_backward.cpp, which is not one of "
        "the headers this assignment gives you");
  CHECK(grading::missing_include_refusal(
            "h.cpp:1:10: fatal error: '/etc/answers.h' file not found\n", root) ==
        "your file includes /etc/answers.h, which is not one of the headers this assignment "
        "gives you");
  // A typo in a header's name is an ordinary compile error.
  CHECK(grading::missing_include_refusal(
            "h.cpp:1:10: fatal error: core/tensr.h: No such file or directory\n", root) == "");
}

TEST_CASE("a hand-in may define only C++ functions of its own") {
  // readelf -s -W lines: Num: Value Size Type Bind Vis Ndx Name
  auto row = [](const std::string& type, const std::string& bind, const std::string& ndx,
                const std::string& name) {
    return "    7: 0000000000000000    42 " + type + "    " + bind + " DEFAULT  " + ndx + " " +
           name + "\n";
  };
  const std::string honest = row("FUNC", "GLOBAL", "2", "_ZN2ex16softmax_backwardEPKfS1_Pfll") +
                             row("FUNC", "WEAK", "9", "_ZNSt6vectorIfSaIfEE17_M_realloc_insertEv") +
                             row("FUNC", "LOCAL", "2", "helper") +
                             row("FUNC", "GLOBAL", "UND", "prctl") +
                             row("OBJECT", "GLOBAL", "4", "calls");
  CHECK(grading::check_defined_symbols(honest) == "");
  CHECK(grading::check_defined_symbols(row("FUNC", "GLOBAL", "2", "prctl"))
            .find("defines the C function prctl") != std::string::npos);
  CHECK(grading::check_defined_symbols(row("FUNC", "WEAK", "2", "syscall"))
            .find("defines the C function syscall") != std::string::npos);
  CHECK(grading::check_defined_symbols(row("FUNC", "GLOBAL", "2", "_Znwm"))
            .find("replaces operator new or delete") != std::string::npos);
  CHECK(grading::check_defined_symbols(
            row("FUNC", "GLOBAL", "2", "_ZNSt6vectorIfSaIfEE9push_backEOf"))
            .find("a function of the standard library") != std::string::npos);
}

TEST_CASE("inline assembly in the hand-in's own lines is refused, a header's is not") {
  const std::string header_asm =
      "# 1 \"/usr/include/x86_64-linux-gnu/sys/cdefs.h\" 1 3 4\n"
      "extern int f (int) __asm__ (\"\" \"g\");\n";
  const std::string own =
      "# 1 \"work/handin.cpp\"\n"
      "int main() {\n"
      "  const char* s = \"asm is fine in a string\"; char c = '\\''; int asm_count = 0;\n";
  CHECK(grading::check_no_asm(header_asm + own, "work/handin.cpp") == "");
  const std::string incbin = own + "asm(\".incbin \\\"/etc/passwd\\\"\");\n";
  CHECK(grading::check_no_asm(header_asm + incbin, "work/handin.cpp")
            .find("inline assembly (asm, line 3)") != std::string::npos);
  CHECK(grading::check_no_asm(own + "  __asm__ volatile(\"\");\n", "/tmp/x/handin.cpp")
            .find("__asm__") != std::string::npos);
}

TEST_CASE("a judge's result file becomes a row: points per check, the score, the reason") {
  // The format of tutorials/exercises/graders/judge.cpp's --result.
  const std::string result =
      "check\trows of 5\t30\t30\tpass\t\n"
      "check\tlarge logits\t0\t40\ttimeout\tyour code was stopped after 5 s\n"
      "check\tone column\t0\t30\twrong\tdx [3, 1]: 3 of 3 elements wrong\n"
      "hidden\tdx for y [7, 3]\t0\t100\tbreach\tyour code tried to open a file for writing\n"
      "seconds\t15.25\n"
      "peak_bytes\t10485760\n"
      "score\t15\n";
  const grading::Row row = grading::parse_result(result, "class/alice.cpp");
  CHECK(row.score == 15);  // the judge's count: the mean of visible (30) and hidden (0)
  REQUIRE(row.checks.size() == 4);
  CHECK(row.checks[1].name == "large logits");
  CHECK(row.checks[1].max == 40);
  CHECK(row.checks[3].hidden);
  CHECK(row.reason == "timeout; wrong; breach: tried to open a file for writing");
  CHECK(row.seconds == doctest::Approx(15.25));
  CHECK(row.peak_bytes == 10485760u);
  const std::string csv = grading::grades_csv({row});
  CHECK(csv.substr(0, csv.find('\n')) ==
        "file,score,rows of 5,large logits,one column,hidden checks,reason");
  CHECK(csv.substr(csv.find('\n') + 1) ==
        "class/alice.cpp,15,30,0,0,0,timeout; wrong; breach: tried to open a file for writing\n");
}

TEST_CASE("the gradebook: one column per check, sorted rows, nothing measured in grades.csv") {
  grading::Row bob{"bob.cpp", 100, {{"a", 60, 60, "pass"}, {"b", 40, 40, "pass"}}, "", 0.4,
                   20 << 20,  ""};
  grading::Row amy{"amy, jr.cpp", 0, {}, "compile error", 0, 0, ""};
  grading::Row cat{"cat.cpp",  60, {{"a", 60, 60, "pass"}, {"b", 0, 40, "memory"}}, "memory", 16.5,
                   3ull << 30, ""};
  const std::string csv = grading::grades_csv({bob, amy, cat});
  CHECK(csv ==
        "file,score,a,b,reason\n"
        "\"amy, jr.cpp\",0,0,0,compile error\n"
        "bob.cpp,100,60,40,\n"
        "cat.cpp,60,60,0,memory\n");
  const std::string summary = grading::summary_md("softmax_backward", {cat, bob, amy});
  CHECK(summary.find("| a | 60 | 2 | 3 |") != std::string::npos);
  CHECK(summary.find("| b | 40 | 1 | 3 |") != std::string::npos);
  CHECK(summary.find("  0-  9 | # 1\n") != std::string::npos);
  CHECK(summary.find(" 60- 69 | # 1\n") != std::string::npos);
  CHECK(summary.find("    100 | # 1\n") != std::string::npos);
  CHECK(summary.find("- compile error: 1\n- memory: 1\n") != std::string::npos);
  // The order the rows came in changes nothing.
  CHECK(grading::grades_csv({cat, amy, bob}) == csv);
  CHECK(grading::timings_csv({bob}) == "file,seconds,peak bytes\nbob.cpp,0.40,20971520\n");
}

TEST_CASE("the gradebook is written whole: through a temporary file and a rename") {
  const fs::path dir = scratch("grading-atomic");
  grading::write_atomically((dir / "grades.csv").string(), "file,score\n");
  CHECK(ex_test::read_file(dir / "grades.csv") == "file,score\n");
  CHECK(!fs::exists(dir / "grades.csv.tmp"));
  CHECK_THROWS_WITH(grading::write_atomically((dir / "no/such/grades.csv").string(), "x"),
                    doctest::Contains("grade-all: cannot write"));
}
}  // TEST_SUITE("exercises.grading")

namespace {

// The first line of grades.csv that names `file` (the hand-in's path ends it).
std::string row_of(const std::string& csv, const std::string& file) {
  std::istringstream lines(csv);
  for (std::string line; std::getline(lines, line);)
    if (line.find("/" + file + ",") != std::string::npos) return line;
  return "";
}

}  // namespace

namespace {

// A file's size and bytes: "the same file" before and after a class is graded.
std::string fingerprint(const fs::path& path) {
  return fs::exists(path) ? std::to_string(fs::file_size(path)) + ":" + ex_test::read_file(path)
                          : "missing";
}

struct Mixed {
  fs::path dir, out;
  ex_test::Run run;
  std::string csv, summary;
  bool build_intact = false, old_gradebook_intact = false;
};

// grade-all over the mixed A1 folder, once per suite run (several cases read it).
const Mixed& mixed() {
  static Mixed m = [] {
    Mixed made;
    const fs::path root = ex_test::repo_root();
    made.dir = scratch("grading-mixed") / "handins";
    made.out = made.dir.parent_path() / "grades";
    fs::create_directories(made.dir);
    fs::copy_file(root / "tests/exercise_solutions/softmax_backward.cpp",
                  made.dir / "reference.cpp");
    fs::copy_file(root / "tutorials/exercises/softmax_backward.cpp", made.dir / "skeleton.cpp");
    fs::copy_file(root / "tests/exercise_handins/softmax_backward/off_by_one.cpp",
                  made.dir / "off_by_one.cpp");
    for (const char* folder : {"tests/exercise_handins/pipeline", "tests/exercise_handins/attacks"})
      if (fs::exists(root / folder))
        for (const auto& entry : fs::directory_iterator(root / folder))
          if (entry.path().extension() == ".cpp")
            fs::copy_file(entry.path(), made.dir / entry.path().filename());
    // An earlier class's gradebook beside this one's: the gradebook attack looks for *.csv.
    write(made.out / "work/earlier_class.csv", "file,score\nbob.cpp,73\n");
    const fs::path build = ex_test::exercise_dir().parent_path();
    const std::vector<fs::path> kept = {build / "libattograd.a",
                                        build / "grading/softmax_backward/librest.a"};
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
  }();
  return m;
}

// The row of hand-in `file`: its score and its reason (the third field from the end).
struct Cells {
  int score = -1;
  std::string reason;
};

Cells cells(const std::string& file) {
  std::vector<std::string> fields(1);  // the row, split at commas outside quotes
  bool quoted = false;
  for (char c : row_of(mixed().csv, file)) {
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

std::string report(const std::string& name) {
  return ex_test::read_file(mixed().out / (name + ".txt"));
}

}  // namespace

TEST_SUITE("exercises.grading") {
TEST_CASE("grade-all over a mixed class: every row's score and reason") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  if (ex_test::is_handout()) return;  // no solutions, no fixtures
  const Mixed& m = mixed();
  INFO("make grade-all said:\n" << m.run.output << "\ngrades.csv:\n" << m.csv);
  REQUIRE(m.run.status == 0);
  const std::map<std::string, std::pair<int, std::string>> expected = {
      {"reference.cpp", {100, ""}},
      {"honest_stdlib.cpp", {100, ""}},
      {"skeleton.cpp", {0, "threw"}},
      {"empty.cpp", {0, "empty"}},
      {"include_solution.cpp", {0, "forbidden include"}},
      {"include_library_source.cpp", {0, "forbidden include"}},
      {"include_absolute.cpp", {0, "forbidden include"}},
      {"fd_verdict.cpp", {0, "breach: tried to open a file for writing"}},
      {"fork_grandchild.cpp", {0, "forbidden code"}},
      {"socket.cpp", {0, "forbidden code"}},
      {"loop_in_constructor.cpp", {0, "timeout"}},
      {"memory_hog.cpp", {0, "memory"}},
      {"proc_self_mem.cpp", {0, "breach: tried to open a file for writing"}},
      {"write_gradebook.cpp", {0, "breach: tried to open a file for writing"}}};
  for (const auto& entry :
       expected) {  // no structured binding: clang 14 cannot capture one in CHECK
    const std::string& file = entry.first;
    const auto& want = entry.second;
    if (!fs::exists(m.dir / file)) continue;  // an attack fixture not merged yet
    const Cells got = cells(file);
    CHECK_MESSAGE(got.score == want.first, file << ": " << got.score);
    CHECK_MESSAGE(got.reason == want.second, file << ": " << got.reason);
  }
  CHECK(cells("off_by_one.cpp").score < 100);
  CHECK(cells("off_by_one.cpp").reason == "wrong");
  CHECK(cells("sabotage_build.cpp").reason == "breach: tried to rename, delete or change a file");
  // The pointer call reaches the cut library's todo; where the sandbox hides /proc/self/exe
  // (Landlock) it finds nothing to call and writes nothing.
  const Cells pointer = cells("symbol_pointer.cpp");
  CHECK(pointer.score == 0);
  CHECK((pointer.reason == "threw" || pointer.reason == "wrong"));
  if (pointer.reason == "threw")
    CHECK(report("symbol_pointer").find("(cut from the grading runner)") != std::string::npos);
  // The messages that name the cheat.
  CHECK(report("include_library_source")
            .find("your file includes core/reference/softmax_naive."
                  "cpp, which is not one of the headers") != std::string::npos);
  // Its raw syscall is inline assembly, refused before it compiles (the object
  // check's syscall-instruction search stays as a second line).
  CHECK(report("socket").find("your file uses inline assembly (asm, line") != std::string::npos);
  CHECK(cells("early_constructor.cpp").reason == "forbidden code");
  // After the first check that runs out of memory, the rest are not run (test_judge.cpp:
  // after two timeouts in a row).
  CHECK(report("memory_hog").find("not run: an earlier check used more than 2 GiB") !=
        std::string::npos);
  CHECK(report("early_constructor").find("a .preinit_array section") != std::string::npos);
  CHECK(report("early_constructor").find("a prioritised constructor") != std::string::npos);
  CHECK(report("early_constructor").find("an IFUNC symbol") != std::string::npos);
  // A score printed by the hand-in is no score: the report's last line is the judge's count.
  const std::string forged = report("score_in_destructor");
  CHECK(forged.substr(forged.rfind("score: ")) ==
        "score: " + std::to_string(cells("score_in_destructor.cpp").score) + "/100\n");
}

TEST_CASE("grade-all over a mixed class: the gradebook and the build are intact") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  if (ex_test::is_handout()) return;
  const Mixed& m = mixed();
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
