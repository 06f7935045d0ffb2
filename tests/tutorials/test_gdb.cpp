// tests/tutorials/test_gdb.cpp: gdb with attograd's pretty-printer, on tutorial 02.
//
// Builds tutorial 02 once with -O0 -g (its step functions and lesson02
// unoptimized, the rest from this build's objects), then runs gdb in batch
// mode, a few processes in all:
//   * every gdb session that README.md and tutorials/README.md show (a fenced
//     block starting "$ gdb"): its commands are run, and each output line the
//     README shows must appear, in order (addresses aside);
//   * the printer's edge cases: tensors not constructed yet, garbage memory,
//     grad_fn's op, ag-print, against values computed in this process.
// Skipped, with a message, when gdb is missing, in sanitizer builds (whose
// objects need the sanitizer runtime), in libc++ builds and in cross builds
// run under an emulator (make test-arm64: the host's g++ cannot link them).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/helpers/platform.h"
#include "tests/helpers/test_util.h"
#include "tutorials/common/lesson02.h"

namespace fs = std::filesystem;

namespace {

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return output;
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) output.append(chunk, n);
  pclose(pipe);
  return output;
}

std::string four_decimals(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(v));
  return buf;
}

// "[a, b, c, d]" of one row of a (rows, 4) tensor, as the printer writes it.
std::string row_text(const ag::Tensor& t, int64_t row) {
  std::string s = "[";
  for (int64_t j = 0; j < t.size(1); ++j) s += (j ? ", " : "") + four_decimals(t.at({row, j}));
  return s + "]";
}

// The compiler and flags this suite was built with (flags.txt beside it, mk/flags.mk).
std::string read_flags_file() {
  std::ifstream in(ag_test::platform::executable_path().parent_path() / "flags.txt");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Paths {
  fs::path repo, build, program, printer;
  std::string skipped;  // why gdb tests cannot run here, or empty
};

// Tutorial 02 with debug information, built once for all test cases.
const Paths& debug_tutorial02() {
  static const Paths paths = [] {
    Paths p;
#if defined(__SANITIZE_ADDRESS__)
    p.skipped = "the sanitizer build (the release suite runs it)";
    return p;
#endif
    if (run("command -v gdb").empty()) {
      p.skipped = "gdb is not installed (apt-get install gdb)";
      return p;
    }
    if (!ag_test::platform::host_compiler_targets_this_program()) {
      p.skipped = std::string("this suite was compiled for ") + ag_test::platform::compiled_for() +
                  " and the g++ here makes programs for another processor (a cross build, run "
                  "under an emulator): the debug program cannot be linked from its objects";
      return p;
    }
    if (std::string flags = read_flags_file(); flags.find("-stdlib=libc++") != std::string::npos) {
      p.skipped = "a libc++ build: the printer reads libstdc++'s containers, and g++ links with it";
      return p;
    }
    p.build = ag_test::platform::executable_path().parent_path();
    p.repo = p.build;
    while (!fs::exists(p.repo / "tutorials/gdb/attograd_gdb.py") && p.repo != p.repo.parent_path())
      p.repo = p.repo.parent_path();
    p.printer = p.repo / "tutorials/gdb/attograd_gdb.py";
    // The objects of tutorials/common from this build, except the two we recompile with -g.
    std::string objects;
    for (const auto& entry : fs::directory_iterator(p.build / "obj/tutorials/common")) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() == ".o" && name != "attention_steps.o" && name != "lesson02.o")
        objects += " '" + entry.path().string() + "'";
    }
    const fs::path dir = p.build / "gdb_tutorial02";
    fs::create_directories(dir);
    p.program = dir / "02_encoder_self_attention";
    // The three files compile in parallel (with ccache when there is one).
    const std::string cxx = run("command -v ccache").empty() ? "g++" : "ccache g++";
    std::string compile = "cd '" + p.repo.string() + "' && (";
    for (const char* source :
         {"tutorials/02_encoder_self_attention.cpp", "tutorials/common/attention_steps.cpp",
          "tutorials/common/lesson02.cpp"})
      compile += cxx + " -std=c++20 -O0 -g -march=native -I. -c " + source + " -o '" +
                 (dir / fs::path(source).filename()).replace_extension(".o").string() + "' & ";
    compile += "wait) && g++ '" + (dir / "02_encoder_self_attention.o").string() + "' '" +
               (dir / "attention_steps.o").string() + "' '" + (dir / "lesson02.o").string() + "'" +
               objects + " '" + (p.build / "libattograd.a").string() + "' -pthread -o '" +
               p.program.string() + "'";
    const std::string compiled = run(compile);
    if (!fs::exists(p.program)) p.skipped = "FAILED to build: " + compiled;
    return p;
  }();
  return paths;
}

// The debug program, or nullptr with a message when gdb tests cannot run here
// (a failed build is a failure, not a skip).
const Paths* debug_tutorial02_or_skip() {
  const Paths& p = debug_tutorial02();
  if (p.skipped.empty()) return &p;
  REQUIRE_MESSAGE(p.skipped.rfind("FAILED", 0) != 0, p.skipped);
  MESSAGE("skipped: " << p.skipped);
  return nullptr;
}

// gdb in batch mode with the printer loaded, running `commands` (one per line).
std::string gdb_session(const Paths& p, const std::vector<std::string>& commands) {
  const fs::path script = p.program.parent_path() / "session.gdb";
  std::string text;
  for (const std::string& c : commands) text += c + "\n";
  std::ofstream(script) << text;
  return run("cd '" + p.repo.string() + "' && gdb -q -batch -nx -x '" + p.printer.string() +
             "' -x '" + script.string() + "' '" + p.program.string() + "'");
}

// Addresses change from build to build; tabs and trailing blanks do not matter.
std::string normalised(std::string line) {
  line = std::regex_replace(line, std::regex("0x[0-9a-f]+"), "0x?");
  for (char& c : line)
    if (c == '\t') c = ' ';
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

struct Session {
  std::string file, program;
  std::vector<std::string> commands, expected;
};

// Every fenced block of a README whose first line is "$ gdb ... program".
std::vector<Session> readme_sessions(const fs::path& readme) {
  std::ifstream in(readme);
  std::vector<Session> sessions;
  std::string line;
  bool in_block = false, in_session = false;
  while (std::getline(in, line)) {
    const size_t indent = line.find_first_not_of(' ');
    const std::string text = indent == std::string::npos ? "" : line.substr(indent);
    if (text.rfind("```", 0) == 0) {
      in_block = !in_block;
      in_session = false;
      continue;
    }
    if (!in_block) continue;
    if (text.rfind("$ gdb", 0) == 0) {
      in_session = true;
      sessions.push_back(
          {readme.filename().string(), text.substr(text.find_last_of(' ') + 1), {}, {}});
    } else if (in_session && text.rfind("(gdb) ", 0) == 0) {
      sessions.back().commands.push_back(text.substr(6));
    } else if (in_session && !text.empty()) {
      sessions.back().expected.push_back(normalised(text));
    }
  }
  return sessions;
}

}  // namespace

TEST_SUITE("core.debugging") {
TEST_CASE("every gdb session the READMEs show prints what they show") {
  const Paths* ready = debug_tutorial02_or_skip();
  if (!ready) return;
  const Paths& p = *ready;
  std::vector<Session> sessions = readme_sessions(p.repo / "README.md");
  for (Session& s : readme_sessions(p.repo / "tutorials/README.md")) sessions.push_back(s);
  REQUIRE(sessions.size() >= 3);  // README.md's, and tutorials/README.md's two
  for (const Session& s : sessions) {
    INFO(s.file << ": gdb " << s.program);
    // The one debug program this test builds; a session on another needs it added here.
    REQUIRE(s.program == "build/debug/tutorials/02_encoder_self_attention");
    const std::string output = gdb_session(p, s.commands);
    INFO(output);
    std::vector<std::string> lines;
    std::istringstream stream(output);
    for (std::string line; std::getline(stream, line);) lines.push_back(normalised(line));
    size_t at = 0;  // the README's lines must come in the README's order
    for (const std::string& want : s.expected) {
      size_t found = at;
      while (found < lines.size() && lines[found] != want) ++found;
      CHECK_MESSAGE(found < lines.size(), "missing or out of order: " << want);
      if (found < lines.size()) at = found + 1;
    }
    CHECK(output.find("Python Exception") == std::string::npos);
  }
}

TEST_CASE("the gdb printer: garbage, undefined, grad_fn's op, ag-print, values from this process") {
  const Paths* ready = debug_tutorial02_or_skip();
  if (!ready) return;
  const Paths& p = *ready;
  const std::string output =
      gdb_session(p, {"break tut::lesson02_backward", "run > /dev/null",
                      "info locals",          // W_Q, query, a, ... not constructed yet
                      "p *(ag::Tensor*)$pc",  // code bytes read as a tensor
                      "p *(ag::TensorImpl*)$pc", "break tutorials/common/lesson02.cpp:49",
                      "continue", "p a.scaled", "p backward_lesson.dscores", "ag-print a.weights",
                      "ag-print a.weights 1", "bt 1"});
  INFO(output);
  CHECK(output.find("Python Exception") == std::string::npos);
  CHECK(output.find("Cannot access memory") == std::string::npos);
  CHECK(output.find("Traceback") == std::string::npos);
  CHECK(output.find("$1 = Tensor <uninitialised>") != std::string::npos);
  CHECK(output.find("$2 = TensorImpl <uninitialised>") != std::string::npos);
  // The values this process computes for the same step.
  const tut::BackwardLesson lesson = tut::lesson02_backward(tut::lesson02_encoder());
  const ag::Tensor& scaled = lesson.attention.scaled;
  CHECK(output.find("$3 = Tensor \"scaled\" [4, 4] grad_fn=DivBackward [" +
                    four_decimals(scaled.at({0, 0})) + ", " + four_decimals(scaled.at({0, 1})) +
                    ", " + four_decimals(scaled.at({0, 2})) + ", " +
                    four_decimals(scaled.at({0, 3})) + ", ...] = {[0] = " + row_text(scaled, 0) +
                    ", [1] = ") != std::string::npos);
  CHECK(output.find("$4 = Tensor <undefined>") != std::string::npos);
  const ag::Tensor& weights = lesson.attention.weights;
  std::string all_rows = "Tensor \"weights\" [4, 4] grad_fn=SoftmaxBackward\n";
  for (int64_t i = 0; i < 4; ++i)
    all_rows += "[" + std::to_string(i) + "] " + row_text(weights, i) + "\n";
  CHECK(output.find(all_rows) != std::string::npos);
  CHECK(output.find("Tensor \"weights\" [4, 4] grad_fn=SoftmaxBackward\n[0] " +
                    row_text(weights, 0) + "\n... 3 more rows\n") != std::string::npos);
}
}  // TEST_SUITE("core.debugging")

TEST_CASE("tutorial 02's attention graph: the ops of attention, the named weight leaves" *
          doctest::test_suite("core.debugging")) {
  tut::BackwardLesson B = tut::lesson02_backward(tut::lesson02_encoder());
  std::string dot = ag::to_dot(B.graph_root);
  for (const char* piece :
       {"SoftmaxBackward\\n→ weights\\n[4, 4]", "DivBackward\\n→ scaled\\n[4, 4]", "MatmulBackward",
        "label=\"W_Q\\n[4, 4]\"", "label=\"W_K\\n[4, 4]\"", "label=\"W_V\\n[4, 4]\""}) {
    INFO(piece);
    CHECK(dot.find(piece) != std::string::npos);
  }
  CHECK(dot.find("MulBackward") == std::string::npos);  // scores / √d is a division
  // With values, as tutorial 02 draws it after backward: scaled's data and retained grad.
  const std::string drawn = ag::to_dot(B.graph_root, {.values = true});
  std::string scaled_box = "DivBackward\\n→ scaled\\n[4, 4]\\ndata ";
  for (int64_t i = 0; i < 4; ++i) scaled_box += (i ? "\\n" : "") + row_text(B.attention.scaled, i);
  scaled_box += "\\ngrad ";
  for (int64_t i = 0; i < 4; ++i) scaled_box += (i ? "\\n" : "") + row_text(B.dscaled, i);
  INFO(drawn);
  CHECK(drawn.find(scaled_box) != std::string::npos);
  const std::string leaf = "W_Q\\n[4, 4]\\ndata " + row_text(tut::lesson02_encoder().W_Q, 0);
  CHECK(drawn.find(leaf) != std::string::npos);
}
