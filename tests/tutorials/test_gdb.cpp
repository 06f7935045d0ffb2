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
// Skipped, with a message, when gdb is missing or in sanitizer builds (whose
// objects need the sanitizer runtime).
#include "tests/helpers/debugger_test_util.h"
#include "tutorials/common/lesson02.h"

using ag_test::four_decimals;
using ag_test::row_text;

namespace {

// The debug program, or nullptr with a message when gdb tests cannot run here.
const ag_test::DebugProgram* debug_tutorial02_or_skip() {
  return ag_test::debug_tutorial02_or_skip(ag_test::run_command("command -v gdb").empty()
                                               ? "gdb is not installed (apt-get install gdb)"
                                               : "");
}

// gdb in batch mode with the printer loaded, running `commands` (one per line).
std::string gdb_session(const ag_test::DebugProgram& p, const std::vector<std::string>& commands) {
  const std::filesystem::path script = ag_test::session_script(p, "session.gdb", commands);
  const std::filesystem::path printer = p.repo / "tutorials/gdb/attograd_gdb.py";
  return ag_test::run_command("cd '" + p.repo.string() + "' && gdb -q -batch -nx -x '" +
                              printer.string() + "' -x '" + script.string() + "' '" +
                              p.program.string() + "'");
}

}  // namespace

TEST_SUITE("core.debugging") {
TEST_CASE("every gdb session the READMEs show prints what they show") {
  const ag_test::DebugProgram* ready = debug_tutorial02_or_skip();
  if (!ready) return;
  const ag_test::DebugProgram& p = *ready;
  std::vector<ag_test::ReadmeSession> sessions =
      ag_test::readme_sessions(p.repo / "README.md", "gdb");
  for (auto& s : ag_test::readme_sessions(p.repo / "tutorials/README.md", "gdb"))
    sessions.push_back(s);
  REQUIRE(sessions.size() >= 3);  // README.md's, and tutorials/README.md's two
  for (const ag_test::ReadmeSession& s : sessions) {
    INFO(s.file << ": gdb " << s.program);
    // The one debug program this test builds; a session on another needs it added here.
    REQUIRE(s.program == "build/debug/tutorials/02_encoder_self_attention");
    const std::string output = gdb_session(p, s.commands);
    INFO(output);
    ag_test::check_lines_in_order(output, s.expected);
    CHECK(output.find("Python Exception") == std::string::npos);
  }
}

TEST_CASE("the gdb printer: garbage, undefined, grad_fn's op, ag-print, values from this process") {
  const ag_test::DebugProgram* ready = debug_tutorial02_or_skip();
  if (!ready) return;
  const ag_test::DebugProgram& p = *ready;
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
