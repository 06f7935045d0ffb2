// tutorials/exercises/tools/similarity.cpp: the token fingerprints and the class report.
//
// The steps (tokens, k-grams, winnowing) are checked directly; the report
// through the program, on small classes written here: a copy with every
// name changed and the comments rewritten must score near 100%, unrelated
// code near 0, the skeleton's lines must not count, and a rerun gives the
// same bytes.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/helpers/exercise_test_util.h"
#include "tutorials/exercises/tools/similarity_fingerprint.h"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> kinds(const std::string& source) {
  std::vector<std::string> out;
  for (const similarity::Token& t : similarity::tokenize(source)) out.push_back(t.kind);
  return out;
}

// A student's softmax backward, and the same code as a copier would hand it in.
const char* const kOriginal = R"(#include "softmax_backward.h"
// Row by row: dx = y * (dy - sum(y * dy)).
namespace ex {
void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* y_row = y + r * cols;
    const float* dy_row = dy + r * cols;
    float dot = 0.0f;
    for (int64_t i = 0; i < cols; ++i) dot += dy_row[i] * y_row[i];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = y_row[j] * (dy_row[j] - dot);
  }
}
float row_total(const float* values, int64_t count) {
  float total = 0.0f;
  for (int64_t i = 0; i < count; ++i) total += values[i];
  return total;
}
}  // namespace ex
)";
const char* const kRenamed = R"(#include "softmax_backward.h"

/* my own work!!! */
namespace ex {

void softmax_backward(const float* out, const float* grad, float* result, int64_t n, int64_t m)
{
    for (int64_t row = 0; row < n; ++row)
    {
        const float* o = out + row * m;      // the outputs
        const float* g = grad + row * m;     // the gradient
        float s = 1.0f;
        for (int64_t a = 0; a < m; ++a) s += g[a] * o[a];
        for (int64_t b = 0; b < m; ++b) result[row * m + b] = o[b] * (g[b] - s);
    }
}

float sum_up(const float* xs, int64_t len)
{
    float acc = 0.5f;
    for (int64_t q = 0; q < len; ++q) acc += xs[q];
    return acc;
}

}
)";
// Other code altogether: a tokenizer of words.
const char* const kUnrelated = R"(#include <string>
#include <vector>
std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (c == ' ' || c == '\n') {
      if (!current.empty()) words.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) words.push_back(current);
  return words;
}
)";

struct Class {
  fs::path dir;
  explicit Class(const std::string& name)
      : dir(ex_test::exercise_dir() / "similarity-test" / name) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void add(const std::string& file, const std::string& text) const {
    fs::create_directories((dir / file).parent_path());
    std::ofstream(dir / file) << text;
  }
};

std::string report_of(const std::string& args) {
  const std::string program = (ex_test::exercise_dir() / "similarity").string();
  const ex_test::Run r = ex_test::run("'" + program + "' " + args);
  REQUIRE(r.status == 0);
  return r.output;
}

// A pair's row of the table: its rank, shared count and percentages (rank -1 if not listed).
struct Row {
  int rank = -1, shared = 0, a = 0, b = 0;
};
Row row_of(const std::string& report, const std::string& pair) {
  Row row;
  const size_t at = report.find("  " + pair + "\n");
  if (at == std::string::npos) return row;
  const size_t start = report.rfind('\n', at) + 1;
  std::sscanf(report.c_str() + start, "%d %d %d%% %d%%", &row.rank, &row.shared, &row.a, &row.b);
  return row;
}

}  // namespace

TEST_SUITE("exercises.similarity") {

TEST_CASE("tokens: names and literals normalised, comments and layout dropped") {
  CHECK(kinds("int total = 3; // the sum") == std::vector<std::string>{"int", "I", "=", "N", ";"});
  CHECK(kinds("x <<= 0x1fu + 1.5e-3f; s = \"a \\\" b\"; c = 'q';") ==
        std::vector<std::string>{"I", "<<=", "N", "+", "N", ";", "I", "=", "S", ";", "I", "=", "S",
                                 ";"});
  CHECK(kinds("a->b::c /* gone\n still gone */ R\"x(raw \" )\" text)x\"") ==
        std::vector<std::string>{"I", "->", "I", "::", "I", "S"});
  // Lines are counted through comments and raw strings.
  const std::vector<similarity::Token> t = similarity::tokenize("a\n/*\n\n*/ b R\"(\n)\" c");
  REQUIRE(t.size() == 4);
  CHECK(t[0].line == 1);
  CHECK(t[1].line == 4);
  CHECK(t[3].line == 5);
  // The copy of the original, every name, literal, comment and the layout
  // changed: the same tokens, one for one.
  CHECK(kinds(kOriginal) == kinds(kRenamed));
}

TEST_CASE("winnowing: a shared run of w + k - 1 tokens always gives a shared fingerprint") {
  const similarity::Settings settings{5, 4};  // k = 5, w = 4: runs of 8 tokens
  // Token streams from a fixed LCG over 40 kinds, so runs repeat only where we put them.
  uint32_t state = 12345;
  auto random_tokens = [&state](int n) {
    std::vector<similarity::Token> tokens;
    for (int i = 0; i < n; ++i) {
      state = state * 1664525u + 1013904223u;
      tokens.push_back({"t" + std::to_string(state >> 27 & 31), 1});
    }
    return tokens;
  };
  int found = 0;
  for (int trial = 0; trial < 50; ++trial) {
    const std::vector<similarity::Token> run = random_tokens(8);
    std::vector<similarity::Token> x = random_tokens(30 + trial), y = random_tokens(45);
    x.insert(x.begin() + 10 + trial % 7, run.begin(), run.end());
    y.insert(y.begin() + 20, run.begin(), run.end());
    bool shared = false;
    for (const similarity::Fingerprint& f : similarity::fingerprints(x, settings))
      for (const similarity::Fingerprint& g : similarity::fingerprints(y, settings))
        shared = shared || f.hash == g.hash;
    found += shared;
  }
  CHECK(found == 50);
  // About 2 / (w + 1) of the k-grams are kept (the paper's density), and each
  // one is the smallest of some window.
  const std::vector<similarity::Token> long_text = random_tokens(5000);
  const std::vector<uint64_t> h = similarity::kgram_hashes(long_text, 5);
  REQUIRE(h.size() == 4996);
  const std::vector<similarity::Fingerprint> kept = similarity::fingerprints(long_text, settings);
  CHECK(kept.size() > 4996 * 2 / 5 * 0.8);
  CHECK(kept.size() < 4996 * 2 / 5 * 1.2);
  for (const similarity::Fingerprint& f : kept) CHECK(h[f.first_token] == f.hash);
}

TEST_CASE("a renamed copy scores near 100%, unrelated code near 0, ranked in that order") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  const Class c("ranking");
  c.add("alice.cpp", kOriginal);
  c.add("bob.cpp", kRenamed);
  c.add("carol.cpp", kUnrelated);
  // dave copied alice's first function only, and wrote the rest himself.
  const std::string original = kOriginal;
  c.add("dave.cpp",
        original.substr(0, original.find("float row_total")) + "int answer() { return 42; }\n}\n");
  const std::string report = report_of("'" + c.dir.string() + "'");
  const Row copy = row_of(report, "alice.cpp / bob.cpp");
  CHECK(copy.rank == 1);
  CHECK(copy.a >= 90);
  CHECK(copy.b >= 90);
  const Row part = row_of(report, "alice.cpp / dave.cpp");
  CHECK(part.rank == 2);
  CHECK(part.shared < copy.shared);
  CHECK(part.a > 40);
  CHECK(part.a < 90);
  CHECK(part.b >= 90);
  for (const char* pair : {"alice.cpp / carol.cpp", "bob.cpp / carol.cpp", "carol.cpp / dave.cpp"})
    CHECK(row_of(report, pair).a <= 10);
  CHECK(report.find("This report informs; it decides nothing.") != std::string::npos);
  // The top pair's shared lines, side by side: all of alice's file (16
  // lines) beside all of bob's (22: his layout is looser), one block.
  const size_t top = report.find("== 1. alice.cpp / bob.cpp: " + std::to_string(copy.shared) +
                                 " shared fingerprints\n  alice.cpp:1-16 ");
  REQUIRE(top != std::string::npos);
  const std::string block = report.substr(top);
  CHECK(block.find(" | bob.cpp:1-22\n") != std::string::npos);
  CHECK(block.find("  float row_total(const float* values, int64_t count) {    | "
                   "        for (int64_t a = 0; a < m; ++a) s += g[a] * o[a];\n") !=
        std::string::npos);
  CHECK(block.find("  | {") != std::string::npos);  // bob's lines go on after alice's end
}

TEST_CASE("what every hand-in shares with the skeleton (--base) is not counted") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  const Class c("base");
  // The skeleton: a long helper everyone was given, and the function to write.
  const std::string given = std::string(kUnrelated) + "void todo();\n";
  c.add("skeleton/skeleton.cpp", given);
  c.add("class/erin.cpp", given + kOriginal);
  c.add("class/frank.cpp", given + "int frank(int n) { return n * n + 1; }\n");
  const std::string without = report_of("'" + (c.dir / "class").string() + "'");
  CHECK(row_of(without, "erin.cpp / frank.cpp").shared > 10);
  const std::string with = report_of("--base '" + (c.dir / "skeleton/skeleton.cpp").string() +
                                     "' '" + (c.dir / "class").string() + "'");
  CHECK(row_of(with, "erin.cpp / frank.cpp").rank == -1);
  CHECK(with.find("(1 pairs share nothing)") != std::string::npos);
}

TEST_CASE("framework hand-ins: a folder or a patch per student, files named in the report") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  const Class c("folders");
  c.add("grace/core/softmax.cpp", kOriginal);
  c.add("grace/core/words.cpp", kUnrelated);
  c.add("heidi/core/softmax.cpp", kRenamed);
  c.add("heidi/core/words.cpp", "int heidi() { return 1; }\n");
  const std::string report = report_of("'" + c.dir.string() + "'");
  const Row row = row_of(report, "grace / heidi");
  CHECK(row.rank == 1);
  CHECK(row.b == 100);  // heidi's own words.cpp is too short to have fingerprints of its own
  CHECK(row.a < 70);    // grace's words.cpp is hers alone
  CHECK(report.find("  grace/core/softmax.cpp:1-16 ") != std::string::npos);
  // A third student hands in a patch: its added lines are bob's renamed copy.
  std::string patch = "--- a/core/softmax.cpp\n+++ b/core/softmax.cpp\n@@ -1,2 +1,22 @@\n";
  std::istringstream lines(kRenamed);
  for (std::string line; std::getline(lines, line);) patch += "+" + line + "\n";
  c.add("ivan.patch", patch + " unchanged context line\n-removed();\n");
  c.add("notes.txt", "not code");
  const std::string with_patch = report_of("'" + c.dir.string() + "'");
  CHECK(with_patch.find("\nnot read (no .cpp, .h or .patch): notes.txt\n") != std::string::npos);
  CHECK(row_of(with_patch, "heidi / ivan.patch").rank == 1);
  CHECK(row_of(with_patch, "heidi / ivan.patch").a == 100);
  CHECK(row_of(with_patch, "heidi / ivan.patch").b == 100);
  CHECK(report.find(" | heidi/core/softmax.cpp:1-22\n") != std::string::npos);
}

TEST_CASE("the same report, byte for byte, on a rerun; --out writes it atomically") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  const Class c("rerun");
  c.add("alice.cpp", kOriginal);
  c.add("bob.cpp", kRenamed);
  c.add("carol.cpp", kUnrelated);
  const std::string file = (c.dir.parent_path() / "rerun-report.txt").string();  // not in the class
  CHECK(report_of("--out '" + file + "' '" + c.dir.string() + "'") ==
        "similarity report: " + file + "\n");
  const std::string written = ex_test::read_file(file);
  CHECK(written.find("rank  shared") != std::string::npos);
  CHECK(report_of("'" + c.dir.string() + "'") == written);
  CHECK(!fs::exists(file + ".tmp"));
}

TEST_CASE("the command of tutorials/exercises/sandbox/README.md runs as written") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  const std::string readme =
      ex_test::read_file(ex_test::repo_root() / "tutorials/exercises/sandbox/README.md");
  std::istringstream lines(readme);
  int commands = 0;
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find("make similarity ");
    if (at == std::string::npos) continue;
    ++commands;
    const std::string out = (ex_test::repo_root() / "build/similarity.txt").string();
    fs::remove(out);
    const ex_test::Run r = ex_test::make(line.substr(at + 5));
    CHECK(r.status == 0);
    const std::string report = ex_test::read_file(out);
    CHECK(report.rfind("similarity report: 6 hand-ins in tests/exercise_handins/softmax_backward\n",
                       0) == 0);
    CHECK(report.find("base: tutorials/exercises/softmax_backward.cpp") != std::string::npos);
  }
  CHECK(commands == 1);
}

}  // TEST_SUITE("exercises.similarity")
