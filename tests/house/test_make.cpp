// tests/house/test_make.cpp: the Makefile's student-facing rules, dry-run or cheap:
// make help, make tutorial T=03 (builds only 03), make train's dataset step,
// no jobserver warning from make grade, make compile_commands.json.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <filesystem>
#include <string>

#include "core/io/atomic_file.h"
#include "core/io/json.h"

namespace fs = std::filesystem;

namespace {

fs::path repo_root() {
  fs::path p = fs::read_symlink("/proc/self/exe").parent_path();
  while (!fs::exists(p / "Makefile") && p != p.parent_path()) p = p.parent_path();
  return p;
}

// make in the repository, as a student types it: not as a sub-make of `make test`.
std::string make(const std::string& args) {
  const std::string command = "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C '" +
                              repo_root().string() + "' " + args + " 2>&1";
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return output;
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) output.append(chunk, n);
  pclose(pipe);
  return output;
}

}  // namespace

TEST_SUITE("tutorials") {

TEST_CASE("make help lists the targets") {
  const std::string help = make("-s help");
  INFO(help);
  for (const char* target : {"make test", "make tutorials", "make tutorial T=03", "make train", "make gdb T=02",
                             "make grade", "make compile_commands.json", "make help", "make lines"})
    CHECK(help.find(target) != std::string::npos);
}

TEST_CASE("make tutorial T=03 builds tutorial 03 and no other") {
  // -B -n: every command that would run if nothing were built yet.
  const std::string plan = make("-n -B tutorial T=03");
  INFO(plan.substr(0, 4000));
  CHECK(plan.find("tutorials/03_decoder_masked_attention.cpp") != std::string::npos);
  CHECK(plan.find("./build/tutorials/03_decoder_masked_attention") != std::string::npos);
  for (const char* other : {"01_tokens", "02_encoder", "04_cross", "05_multihead", "06_train", "07_greedy", "08_image",
                            "09_document", "10_custom"})
    CHECK(plan.find(other) == std::string::npos);
  CHECK(make("-s tutorial T=99").find("usage: make tutorial T=NN") != std::string::npos);
}

TEST_CASE("make train: the dataset step installs as root, prints the command otherwise") {
  const std::string user = make("-s train-dataset FASHION_MNIST_DIR=/nonexistent/fashion USER_ID=1000");
  CHECK(user == "Fashion-MNIST is not installed; for real data run:  sudo apt-get install -y dataset-fashion-mnist\n");
  const std::string root = make("-n train-dataset FASHION_MNIST_DIR=/nonexistent/fashion USER_ID=0");
  CHECK(root.find("apt-get install -y -qq dataset-fashion-mnist") != std::string::npos);
  // Installed (any existing directory), nothing is printed; a chosen dataset skips the step.
  CHECK(make("-s train-dataset FASHION_MNIST_DIR=/ USER_ID=1000").empty());
  const std::string missing = " FASHION_MNIST_DIR=/nonexistent/fashion USER_ID=0";
  CHECK(make("-n train" + missing).find("apt-get install") != std::string::npos);
  CHECK(make("-n train ARGS='--dataset synthetic'" + missing).find("apt-get") == std::string::npos);
}

TEST_CASE("make grade prints no jobserver warning") {
  // -n still runs the recipe's $(MAKE) lines: the sub-make is where the warning came from.
  std::string exercise;
  for (const auto& e : fs::directory_iterator(repo_root() / "tutorials/exercises/graders")) {
    const std::string name = e.path().filename().string();
    const size_t at = name.find("_grader.cpp");
    if (at != std::string::npos && at > 0) exercise = name.substr(0, at);
  }
  REQUIRE(!exercise.empty());
  const std::string output = make("-n grade EX=" + exercise);
  INFO(output);
  CHECK(output.find("jobserver") == std::string::npos);
  CHECK(output.find("warning") == std::string::npos);
}

TEST_CASE("make compile_commands.json: one entry per source, with the Makefile's flags") {
  const std::string said = make("-s compile_commands.json");
  CHECK(said == "wrote compile_commands.json\n");
  const ag::io::JsonValue db =
      ag::io::parse_json(ag::io::read_file((repo_root() / "compile_commands.json").string()));
  bool found = false;
  for (const ag::io::JsonValue& entry : db.array) {
    if (entry.find("file")->string != "core/tensor.cpp") continue;
    found = true;
    CHECK(entry.find("directory")->string == repo_root().string());
    CHECK(entry.find("command")->string.find("-std=c++20") != std::string::npos);
    CHECK(entry.find("command")->string.find("-I.") != std::string::npos);
  }
  CHECK(found);
  CHECK(db.array.size() > 100);
}

}  // TEST_SUITE

TEST_SUITE("tutorials") {

TEST_CASE("tutorials/README.md's NumPy check of --save runs and agrees") {
  // The README's commands: tutorial 02 with --save (the program `make tutorial T=02`
  // runs), then its python3 lines, with our own directory instead of /tmp/steps.
  const fs::path repo = repo_root(), program = repo / "build/tutorials/02_encoder_self_attention";
  if (!fs::exists(program)) {
    MESSAGE("skipped: build/tutorials/02_encoder_self_attention is not built (make tutorials builds it)");
    return;
  }
  FILE* probe = popen("/usr/bin/python3 -c 'import numpy' 2>/dev/null", "r");
  if (!probe || pclose(probe) != 0) {
    MESSAGE("skipped: Debian's python3 has no NumPy (apt-get install python3-numpy)");
    return;
  }
  const std::string readme = ag::io::read_file((repo / "tutorials/README.md").string());
  const size_t from = readme.find("python3 -c \"import numpy");
  REQUIRE(from != std::string::npos);
  std::string python = readme.substr(from, readme.find("\"\n", from) + 1 - from);
  const fs::path dir = fs::temp_directory_path() / ("ag_numpy_" + std::to_string(::getpid()));
  for (size_t at; (at = python.find("/tmp/steps")) != std::string::npos;) python.replace(at, 10, dir.string());
  std::string output;
  const std::string command = "cd '" + repo.string() + "' && AG_TUTORIAL_OUT='" + dir.string() + "' '" +
                              program.string() + "' --save '" + dir.string() + "' > /dev/null && /usr/bin/" +
                              python + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  char chunk[512];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) output.append(chunk, n);
  pclose(pipe);
  fs::remove_all(dir);
  INFO(command);
  INFO(output);
  CHECK(output.find("e-") != std::string::npos);  // a small number like 4.4703484e-08
  CHECK(std::atof(output.c_str()) < 1e-6);
}

}  // TEST_SUITE
