// tests/test_gdb.cpp: gdb with attograd's pretty-printer, on tutorial 02.
//
// Builds tutorial 02 with -O0 -g (the step functions unoptimized, the rest
// from this build's objects), runs gdb in batch mode to the softmax step, and
// checks that `p weights` prints the tensor's name, shape and the values the
// tutorial computes in-process. Skipped, with a message, when gdb is missing
// or in sanitizer builds (whose objects need the sanitizer runtime).
#include <cstdio>
#include <filesystem>

#include "tests/test_util.h"
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

}  // namespace

TEST_SUITE("core.debugging") {
  TEST_CASE("gdb's pretty-printer shows a tutorial tensor by name, shape and values") {
#if defined(__SANITIZE_ADDRESS__)
    MESSAGE("skipped in the sanitizer build: the release suite runs it");
    return;
#endif
    if (run("command -v gdb").empty()) {
      MESSAGE("skipped: gdb is not installed (apt-get install gdb)");
      return;
    }
    const fs::path build = fs::read_symlink("/proc/self/exe").parent_path();
    fs::path repo = build;
    while (!fs::exists(repo / "tutorials/gdb/attograd_gdb.py") && repo != repo.parent_path())
      repo = repo.parent_path();
    REQUIRE(fs::exists(repo / "tutorials/gdb/attograd_gdb.py"));

    // The objects of tutorials/common from this build, except the two we recompile with -g.
    std::string objects;
    for (const auto& entry : fs::directory_iterator(build / "obj/tutorials/common")) {
      std::string name = entry.path().filename().string();
      if (entry.path().extension() == ".o" && name != "attention_steps.o" && name != "lesson02.o")
        objects += " '" + entry.path().string() + "'";
    }
    const fs::path program = build / "gdb_tutorial02";
    std::string compile = "cd '" + repo.string() + "' && g++ -std=c++20 -O0 -g -march=native -I. "
                          "tutorials/02_encoder_self_attention.cpp tutorials/common/attention_steps.cpp "
                          "tutorials/common/lesson02.cpp" + objects + " '" + (build / "libattograd.a").string() +
                          "' -pthread -o '" + program.string() + "'";
    std::string compiled = run(compile);
    REQUIRE_MESSAGE(fs::exists(program), compiled);

    std::string session = run("gdb -batch -nx -ex 'source " + (repo / "tutorials/gdb/attograd_gdb.py").string() +
                              "' -ex 'break tut::step_softmax' -ex 'run > /dev/null' -ex next -ex next "
                              "-ex 'p weights' '" + program.string() + "'");
    fs::remove(program);
    INFO(session);
    // The first stop is step 2a (each vector its own query, key, value): compare
    // with what the tutorial computes in this process.
    tut::EncoderLesson lesson = tut::lesson02_encoder();
    const ag::Tensor& w = lesson.plain.weights;
    std::string expected = "Tensor \"weights\" [4, 4] = [[" + four_decimals(w.at({0, 0})) + ", " +
                           four_decimals(w.at({0, 1})) + ", " + four_decimals(w.at({0, 2})) + ", " +
                           four_decimals(w.at({0, 3})) + "], [" + four_decimals(w.at({1, 0}));
    CHECK(session.find(expected) != std::string::npos);
  }
}

TEST_CASE("tutorial 02's attention graph: the ops of attention, the named weight leaves" * doctest::test_suite("core.debugging")) {
  tut::BackwardLesson B = tut::lesson02_backward(tut::lesson02_encoder());
  std::string dot = ag::to_dot(B.graph_root);
  for (const char* piece : {"SoftmaxBackward\\n→ weights\\n[4, 4]", "MatmulBackward", "label=\"W_Q\\n[4, 4]\"",
                            "label=\"W_K\\n[4, 4]\"", "label=\"W_V\\n[4, 4]\""}) {
    INFO(piece);
    CHECK(dot.find(piece) != std::string::npos);
  }
}
