// tests/tutorials/test_lldb.cpp: lldb with attograd's formatter, on tutorial 02.
//
// The twin of test_gdb.cpp for tutorials/lldb/attograd_lldb.py (macOS's
// debugger is lldb): the same -O0 -g tutorial 02 (tests/helpers/
// debugger_test_util.h), then lldb in batch mode:
//   * every lldb session README.md shows (a fenced block starting "$ lldb"):
//     its commands are run, and each output line the README shows must
//     appear, in order (addresses aside);
//   * the formatter's edge cases: tensors not constructed yet, garbage memory,
//     grad_fn's op, ag-print, against values computed in this process.
// Skipped, with a message, when lldb or its Python module is missing
// (apt-get install lldb python3-lldb-14) or in sanitizer builds.
#include "tests/helpers/debugger_test_util.h"
#include "tutorials/common/lesson02.h"

namespace fs = std::filesystem;
using ag_test::four_decimals;
using ag_test::row_text;

namespace {

// lldb's Python module. Debian's lldb-14 looks for it in a folder that
// python3-lldb-14 leaves empty (lldb -P names it); the module itself is
// under /usr/lib/llvm-14/lib/python3.X/dist-packages. mk/tools.mk does the same.
std::string lldb_python_path() {
  std::string printed = ag_test::run_command("lldb -P");
  while (!printed.empty() && (printed.back() == '\n' || printed.back() == '\r')) printed.pop_back();
  if (fs::exists(fs::path(printed) / "lldb/embedded_interpreter.py")) return "";
  std::error_code error;
  for (const auto& llvm : fs::directory_iterator("/usr/lib", error)) {
    if (llvm.path().filename().string().rfind("llvm-", 0) != 0) continue;
    for (const auto& python : fs::directory_iterator(llvm.path() / "lib", error)) {
      const fs::path packages = python.path() / "dist-packages";
      if (fs::exists(packages / "lldb/embedded_interpreter.py")) return packages.string();
    }
  }
  return "";
}

// The debug program, or nullptr with a message when lldb tests cannot run here.
const ag_test::DebugProgram* debug_tutorial02_or_skip() {
  if (ag_test::run_command("command -v lldb").empty())
    return ag_test::debug_tutorial02_or_skip(
        "lldb is not installed (apt-get install lldb python3-lldb-14)");
  const std::string python = lldb_python_path();
  const std::string probe = ag_test::run_command(
      (python.empty() ? "" : "PYTHONPATH='" + python + "' ") + "lldb -b -o 'script print(6*7)'");
  return ag_test::debug_tutorial02_or_skip(
      probe.find("42") == std::string::npos
          ? "lldb has no Python (apt-get install python3-lldb-14): " + probe
          : "");
}

// lldb in batch mode with the formatter loaded, running `commands` (one per line).
std::string lldb_session(const ag_test::DebugProgram& p, const std::vector<std::string>& commands) {
  const fs::path script = ag_test::session_script(p, "session.lldb", commands);
  const std::string python = lldb_python_path();
  return ag_test::run_command(
      "cd '" + p.repo.string() + "' && " + (python.empty() ? "" : "PYTHONPATH='" + python + "' ") +
      "lldb -b -x -o 'command script import tutorials/lldb/attograd_lldb.py' -s '" +
      script.string() + "' '" + p.program.string() + "'");
}

}  // namespace

TEST_SUITE("core.debugging") {
TEST_CASE("every lldb session README.md shows prints what it shows") {
  const ag_test::DebugProgram* ready = debug_tutorial02_or_skip();
  if (!ready) return;
  const ag_test::DebugProgram& p = *ready;
  const auto sessions = ag_test::readme_sessions(p.repo / "README.md", "lldb");
  REQUIRE(sessions.size() >= 1);
  for (const ag_test::ReadmeSession& s : sessions) {
    INFO(s.file << ": lldb " << s.program);
    REQUIRE(s.program == "build/debug/tutorials/02_encoder_self_attention");
    const std::string output = lldb_session(p, s.commands);
    INFO(output);
    ag_test::check_lines_in_order(output, s.expected);
    CHECK(output.find("Traceback") == std::string::npos);
    CHECK(output.find("error:") == std::string::npos);
  }
}

TEST_CASE(
    "the lldb formatter: garbage, undefined, grad_fn's op, ag-print, values from this process") {
  const ag_test::DebugProgram* ready = debug_tutorial02_or_skip();
  if (!ready) return;
  const ag_test::DebugProgram& p = *ready;
  const std::string output =
      lldb_session(p, {"breakpoint set -n tut::lesson02_backward", "process launch -o /dev/null",
                       "frame variable W_Q a",  // not constructed yet
                       "p *(ag::Tensor*)$pc",   // code bytes read as a tensor
                       "p *(ag::TensorImpl*)$pc", "breakpoint set -f lesson02.cpp -l 49",
                       "continue", "p a.scaled", "p backward_lesson.dscores", "ag-print a.weights",
                       "ag-print a.weights 1", "bt 1"});
  INFO(output);
  CHECK(output.find("Traceback") == std::string::npos);
  CHECK(output.find("(ag::Tensor) W_Q = Tensor <uninitialised>\n") != std::string::npos);
  CHECK(output.find("  scores = Tensor <uninitialised>\n") != std::string::npos);
  CHECK(output.find("(ag::Tensor) $0 = Tensor <uninitialised>\n") != std::string::npos);
  CHECK(output.find("(ag::TensorImpl) $1 = TensorImpl <uninitialised>\n") != std::string::npos);
  // The values this process computes for the same step.
  const tut::BackwardLesson lesson = tut::lesson02_backward(tut::lesson02_encoder());
  const ag::Tensor& scaled = lesson.attention.scaled;
  CHECK(output.find("(ag::Tensor) $2 = Tensor \"scaled\" [4, 4] grad_fn=DivBackward [" +
                    four_decimals(scaled.at({0, 0})) + ", " + four_decimals(scaled.at({0, 1})) +
                    ", " + four_decimals(scaled.at({0, 2})) + ", " +
                    four_decimals(scaled.at({0, 3})) + ", ...] {\n  [0] = (") != std::string::npos);
  CHECK(output.find("(ag::Tensor) $3 = Tensor <undefined>\n") != std::string::npos);
  const ag::Tensor& weights = lesson.attention.weights;
  std::string all_rows = "Tensor \"weights\" [4, 4] grad_fn=SoftmaxBackward\n";
  for (int64_t i = 0; i < 4; ++i)
    all_rows += "[" + std::to_string(i) + "] " + row_text(weights, i) + "\n";
  CHECK(output.find(all_rows) != std::string::npos);
  CHECK(output.find("Tensor \"weights\" [4, 4] grad_fn=SoftmaxBackward\n[0] " +
                    row_text(weights, 0) + "\n... 3 more rows\n") != std::string::npos);
  CHECK(output.find("tut::lesson02_backward(forward=") != std::string::npos);
}
}  // TEST_SUITE("core.debugging")
