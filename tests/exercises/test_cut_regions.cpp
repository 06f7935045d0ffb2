// tutorials/exercises/tools/cut_regions.awk, the tool make handout and the
// framework skeletons cut with, on small files made here: skeleton sections
// are matched to regions by name (never by position), and whatever does not
// match is refused with the file and the region named.
//
// The markers are assembled at run time (mark below), so this file holds no
// region of its own; the assignments are made up ("demo", "other").
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/helpers/exercise_test_util.h"

namespace fs = std::filesystem;

namespace {

// A fresh directory under /tmp, removed with everything in it at scope exit.
struct Scratch {
  fs::path dir;
  Scratch() {
    char pattern[] = "/tmp/attograd_cut_XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir = pattern;
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
  }
};

// "// ASSIGNMENT <spec>: begin" (or end), spelled in two pieces.
std::string mark(const std::string& spec, const char* which) {
  return std::string("// ASSIGN") + "MENT " + spec + ": " + which + "\n";
}

struct Cut {
  std::string out;     // the cut file (stdout)
  std::string errors;  // what the tool said (stderr)
  int status = -1;
};

// awk -v ex=EX -v path=lib.cpp -f cut_regions.awk SKELETONS... lib.cpp, in the scratch directory.
Cut cut(const Scratch& s, const std::string& ex, const std::string& skeletons) {
  const std::string tool =
      (ex_test::repo_root() / "tutorials/exercises/tools/cut_regions.awk").string();
  const ex_test::Run run =
      ex_test::run("cd '" + s.dir.string() + "' && awk -v ex=" + ex + " -v path=lib.cpp -f '" +
                   tool + "' " + skeletons + " lib.cpp > cut.out");
  Cut result;
  result.errors = run.output;
  result.status = run.status;
  result.out = ex_test::read_file(s.dir / "cut.out");
  return result;
}

// A library file with two regions of "demo" and one shared by "other" and "demo".
std::string library() {
  return "// lib.cpp\n"
         "#include \"lib.h\"\n"
         "#include <vector>\n"
         "\n"
         "int first() {\n" +
         mark("demo/first", "begin") + "  return 1;  // the first answer\n" +
         mark("demo/first", "end") +
         "}\n"
         "int second() {\n" +
         mark("demo/second", "begin") + "  return 2;  // the second answer\n" +
         mark("demo/second", "end") +
         "}\n"
         "int shared() {\n" +
         mark("other,demo/shared", "begin") + "  return 3;\n" + mark("other,demo/shared", "end") +
         "}\n";
}

}  // namespace

TEST_SUITE("exercises.cut") {
TEST_CASE("sections written in the other order than the regions still go to their own region") {
  Scratch s;
  s.write("lib.cpp", library());
  s.write("demo.txt",
          "@tests demo\n"
          "@@ lib.cpp shared\n"
          "  return todo(3);\n"
          "@@ lib.cpp second\n"
          "  return todo(2);\n"
          "@@ lib.cpp first\n"
          "  return todo(1);\n");
  const Cut c = cut(s, "demo", "demo.txt");
  INFO(c.errors);
  REQUIRE(c.status == 0);
  CHECK(c.errors.empty());
  CHECK(c.out ==
        "// lib.cpp\n"
        "#include \"lib.h\"\n"
        "#include <vector>\n"
        "\n"
        "int first() {\n" +
            mark("demo/first", "begin") + "  return todo(1);\n" + mark("demo/first", "end") +
            "}\n"
            "int second() {\n" +
            mark("demo/second", "begin") + "  return todo(2);\n" + mark("demo/second", "end") +
            "}\n"
            "int shared() {\n" +
            mark("other,demo/shared", "begin") + "  return todo(3);\n" +
            mark("other,demo/shared", "end") + "}\n");
}

TEST_CASE("a section whose name matches no region is refused, naming the file and both regions") {
  Scratch s;
  s.write("lib.cpp", library());
  s.write("demo.txt",
          "@@ lib.cpp frist\n"  // a typo: region first has no section, section frist no region
          "  return todo(1);\n"
          "@@ lib.cpp second\n"
          "  return todo(2);\n"
          "@@ lib.cpp shared\n"
          "  return todo(3);\n");
  const Cut c = cut(s, "demo", "demo.txt");
  CHECK(c.status == 1);
  CHECK(c.out.empty());  // no half-cut file
  CHECK(c.errors.find(
            "lib.cpp:6: region first of demo has no section '@@ lib.cpp first' in demo.txt") !=
        std::string::npos);
  CHECK(c.errors.find(
            "demo.txt:1: section '@@ lib.cpp frist': lib.cpp has no region frist of demo") !=
        std::string::npos);
}

TEST_CASE(
    "a missing section, a second section of one name and a header without a region are refused") {
  Scratch s;
  s.write("lib.cpp", library());
  s.write("demo.txt",
          "@@ lib.cpp first\n  return todo(1);\n@@ lib.cpp shared\n  return todo(3);\n");
  Cut c = cut(s, "demo", "demo.txt");
  CHECK(c.status == 1);
  CHECK(c.errors ==
        "lib.cpp:11: region second of demo has no section '@@ lib.cpp second' in demo.txt\n");

  s.write("demo.txt",
          "@@ lib.cpp first\na\n@@ lib.cpp second\nb\n@@ lib.cpp shared\nc\n@@ lib.cpp first\nd\n");
  c = cut(s, "demo", "demo.txt");
  CHECK(c.status == 1);
  CHECK(c.errors == "demo.txt:7: a second section '@@ lib.cpp first' (a region has one)\n");

  s.write("demo.txt", "@@ lib.cpp\n  return todo(1);\n");
  c = cut(s, "demo", "demo.txt");
  CHECK(c.status == 1);
  CHECK(c.errors.find("demo.txt:1: a section header is '@@ PATH REGION', not '@@ lib.cpp'") !=
        std::string::npos);
}

TEST_CASE(
    "a region shared by two assignments takes the section of the first one handed out on its "
    "marker") {
  Scratch s;
  s.write("lib.cpp", library());
  s.write("demo.txt", "@@ lib.cpp first\nA1\n@@ lib.cpp second\nA2\n@@ lib.cpp shared\nA3\n");
  s.write("other.txt", "@@ lib.cpp shared\nB3\n");
  const Cut only_other = cut(s, "other", "other.txt");  // demo's own regions stay as they are
  INFO(only_other.errors);
  CHECK(only_other.status == 0);
  CHECK(only_other.out.find("  return 1;  // the first answer\n") != std::string::npos);
  CHECK(only_other.out.find(mark("other,demo/shared", "begin") + "B3\n" +
                            mark("other,demo/shared", "end")) != std::string::npos);
  const Cut both = cut(s, "demo,other", "demo.txt other.txt");
  INFO(both.errors);
  CHECK(both.status == 0);
  CHECK(both.out.find(mark("other,demo/shared", "begin") + "B3\n") !=
        std::string::npos);  // other is first
  CHECK(both.out.find("A1\n") != std::string::npos);
  CHECK(both.out.find("answer") == std::string::npos);
}

TEST_CASE(
    "regions inside regions, an end without its begin and a marker without a region name are "
    "refused") {
  Scratch s;
  s.write("demo.txt", "@@ lib.cpp outer\nx\n@@ lib.cpp inner\ny\n");
  s.write("lib.cpp", mark("demo/outer", "begin") + mark("demo/inner", "begin") +
                         mark("demo/inner", "end") + mark("demo/outer", "end"));
  Cut c = cut(s, "demo", "demo.txt");
  CHECK(c.status == 1);
  CHECK(c.errors.find("lib.cpp:2: region inner begins inside region outer (regions do not nest)") !=
        std::string::npos);

  s.write("lib.cpp", mark("demo/outer", "end"));
  c = cut(s, "demo", "demo.txt");
  CHECK(c.status == 1);
  CHECK(c.errors.find("lib.cpp:1: end of region outer without its begin") != std::string::npos);

  s.write("lib.cpp",
          mark("demo", "begin") + "x\n" + mark("demo", "end"));  // the old syntax: no region name
  c = cut(s, "demo", "demo.txt");
  CHECK(c.status == 1);
  CHECK(
      c.errors.find("lib.cpp:1: a marker is 'ASSIGNMENT NAME[,NAME...]/REGION: begin' (or end)") !=
      std::string::npos);

  s.write("lib.cpp", mark("demo/outer", "begin") + "x\n");
  c = cut(s, "demo", "demo.txt");
  CHECK(c.status == 1);
  CHECK(c.errors.find("lib.cpp:1: region outer has no end") != std::string::npos);
}

TEST_CASE(
    "a section's #include lines go after the file's last #include, once, and not if it is there") {
  Scratch s;
  s.write("lib.cpp", library());
  s.write("demo.txt",
          "@@ lib.cpp first\n#include \"core/error.h\"  // ag::todo\n  return todo(1);\n"
          "@@ lib.cpp second\n#include \"core/error.h\"\n  return todo(2);\n"
          "@@ lib.cpp shared\n#include <vector>\n  return todo(3);\n");
  const Cut c = cut(s, "demo", "demo.txt");
  INFO(c.errors);
  REQUIRE(c.status == 0);
  CHECK(c.out.rfind("// lib.cpp\n#include \"lib.h\"\n#include <vector>\n#include \"core/error.h\"  "
                    "// ag::todo\n\n"
                    "int first() {\n" +
                        mark("demo/first", "begin") + "  return todo(1);\n",
                    0) == 0);
  size_t includes = 0;
  for (size_t at = c.out.find("#include"); at != std::string::npos;
       at = c.out.find("#include", at + 1))
    ++includes;
  CHECK(includes == 3);  // lib.h, <vector>, core/error.h: none in a region
}
}  // TEST_SUITE("exercises.cut")

// make handout's tool on a repository of four files: what the cut checks per
// file, handout.sh checks across files (a section for a file without regions).
namespace {

// A copy of the tools beside a made-up assignment "demo" (skeleton, grader)
// and lib.cpp; not a git checkout, so handout.sh copies every file.
void make_small_repository(const Scratch& s, const std::string& skeleton) {
  const fs::path tools = s.dir / "tutorials/exercises/tools";
  fs::create_directories(tools);
  fs::create_directories(s.dir / "tutorials/exercises/skeletons");
  fs::create_directories(s.dir / "tutorials/exercises/graders");
  for (const char* tool : {"handout.sh", "cut_regions.awk"})
    fs::copy_file(ex_test::repo_root() / "tutorials/exercises/tools" / tool, tools / tool);
  s.write("tutorials/exercises/graders/demo_grader.cpp", "int main() {}\n");
  s.write("tutorials/exercises/skeletons/demo.txt", skeleton);
  s.write("lib.cpp", library());
  s.write("other.cpp", "int untouched() { return 4; }\n");
}

ex_test::Run handout(const Scratch& s) {
  return ex_test::run("cd '" + s.dir.string() +
                      "' && sh tutorials/exercises/tools/handout.sh demo out");
}

}  // namespace

TEST_SUITE("exercises.cut") {
TEST_CASE(
    "handout.sh cuts every file with a region, and refuses a section for a file that has none") {
  const std::string sections =
      "@@ lib.cpp first\nA1\n@@ lib.cpp second\nA2\n@@ lib.cpp shared\nA3\n";
  {
    Scratch s;
    make_small_repository(s, sections);
    const ex_test::Run run = handout(s);
    INFO(run.output);
    REQUIRE(run.status == 0);
    const std::string cut = ex_test::read_file(s.dir / "out/lib.cpp");
    CHECK(cut.find("answer") == std::string::npos);
    CHECK(cut.find(mark("demo/second", "begin") + "A2\n" + mark("demo/second", "end")) !=
          std::string::npos);
    CHECK(ex_test::read_file(s.dir / "out/other.cpp") == "int untouched() { return 4; }\n");
    CHECK(ex_test::read_file(s.dir / "out/tutorials/exercises/HANDOUT") == "demo\n");
  }
  Scratch s;
  make_small_repository(s, sections + "@@ other.cpp untouched\nA4\n");
  const ex_test::Run run = handout(s);
  CHECK(run.status == 1);
  CHECK(
      run.output.find(
          "handout: tutorials/exercises/skeletons/demo.txt has sections for other.cpp, which holds "
          "no region of demo") != std::string::npos);
}
}  // TEST_SUITE("exercises.cut")
