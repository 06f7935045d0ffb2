// tests/house/test_make.cpp: the Makefile's student-facing rules, dry-run or cheap:
// make help, make tutorial T=03 (builds only 03 and the lesson files it
// includes), make gdb / make tutorial without T, the flags file, make CXX=clang++,
// make train's dataset step, no jobserver warning from make grade,
// make compile_commands.json, and mk/lint.sh's report.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/io/atomic_file.h"
#include "core/io/json.h"
#include "tests/helpers/house_test_util.h"
#include "tests/helpers/platform.h"

namespace fs = std::filesystem;

namespace {

using house_test::repo_root;
using house_test::run_make;
using house_test::run_shell;
using MakeRun = house_test::Run;
std::string make(const std::string& args) { return run_make(args).output; }

// A folder of its own under /tmp (a BUILD= for make, or a lint fixture), removed afterwards.
struct TempBuild {
  fs::path dir;
  explicit TempBuild(const std::string& name)
      : dir(fs::temp_directory_path() / ("ag_make_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempBuild() { fs::remove_all(dir); }
};

// The lesson files tutorial NN needs, found here independently: every
// tutorials/common/X.cpp whose X.h the tutorial includes, directly or through
// another such file.
std::set<std::string> lesson_files_of(const fs::path& tutorial) {
  const fs::path root = repo_root();
  std::set<std::string> seen;
  std::vector<fs::path> todo{tutorial};
  while (!todo.empty()) {
    const fs::path file = todo.back();
    todo.pop_back();
    std::istringstream text(ag::io::read_file(file.string()));
    const std::string prefix = "#include \"tutorials/common/";
    for (std::string line; std::getline(text, line);) {
      if (line.rfind(prefix, 0) != 0) continue;
      const std::string header =
          line.substr(prefix.size(), line.find('"', prefix.size()) - prefix.size());
      const std::string stem = header.substr(0, header.size() - 2);
      for (const std::string& name : {header, stem + ".cpp"}) {
        const fs::path path = root / "tutorials/common" / name;
        if (fs::exists(path) && seen.insert(name).second) todo.push_back(path);
      }
    }
  }
  std::set<std::string> sources;
  for (const std::string& name : seen)
    if (name.size() > 4 && name.substr(name.size() - 4) == ".cpp")
      sources.insert(name.substr(0, name.size() - 4));
  return sources;
}

}  // namespace

TEST_SUITE("tutorials") {

TEST_CASE("make help lists the targets") {
  const std::string help = "\n" + make("-s help");
  INFO(help);
  // Every public target, each at the start of its line.
  for (const char* target : {"make ",
                             "make test ",
                             "make test-grading ",
                             "make tutorials ",
                             "make tutorial T=03",
                             "make train ",
                             "make train-dataset ",
                             "make gdb T=02",
                             "make debug ",
                             "make asan ",
                             "make bench ",
                             "make grade EX=",
                             "make grade-all EX=",
                             "make handout EX=",
                             "make compile_commands.json ",
                             "make help ",
                             "make lines ",
                             "make lint ",
                             "make fuzz ",
                             "make clean ",
                             "make doctest "})
    CHECK(help.find(std::string("\n") + target) != std::string::npos);
}

TEST_CASE("make tutorial T=03 builds tutorial 03 and no other") {
  // -B -n: every command that would run if nothing were built yet.
  const std::string plan = make("-n -B tutorial T=03");
  INFO(plan.substr(0, 4000));
  CHECK(plan.find("tutorials/03_decoder_masked_attention.cpp") != std::string::npos);
  CHECK(plan.find("./build/tutorials/03_decoder_masked_attention") != std::string::npos);
  for (const char* other : {"01_tokens", "02_encoder", "04_cross", "05_multihead", "06_train",
                            "07_greedy", "08_image", "09_document", "10_custom"})
    CHECK(plan.find(other) == std::string::npos);
  CHECK(make("-s tutorial T=99").find("usage: make tutorial T=NN") != std::string::npos);
}

TEST_CASE("make train: the dataset step installs as root, prints the command otherwise") {
  const std::string user =
      make("-s train-dataset FASHION_MNIST_DIR=/nonexistent/fashion USER_ID=1000");
  CHECK(user ==
        "Fashion-MNIST is not installed; for real data run:  sudo apt-get install -y "
        "dataset-fashion-mnist\n");
  const std::string root =
      make("-n train-dataset FASHION_MNIST_DIR=/nonexistent/fashion USER_ID=0");
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

TEST_CASE("make test-grading runs the grading suites with the cases make test skips") {
  // -n -B: the plan only, as from nothing built (the run itself takes minutes; CI runs it).
  const std::string plan = make("-n -B test-grading");
  INFO(plan.substr(0, 4000));
  CHECK(plan.find("./build/tests --no-skip -ts=\"exercises.*,A? *,F? *\"") != std::string::npos);
  // Every assignment's grading programs are built for it; make test builds
  // those of A1, F4 and F6 alone (mk/exercises.mk: TEST_EXERCISES).
  CHECK(plan.find("-o build/exercises/multihead_attention_judge") != std::string::npos);
  CHECK(plan.find("-o build/exercises/attention_runner_solution") != std::string::npos);
  const std::string test_plan = make("-n -B build/tests");
  CHECK(test_plan.find("-o build/exercises/layer_norm_backward_judge") != std::string::npos);
  CHECK(test_plan.find("-o build/exercises/softmax_backward_runner_skeleton") != std::string::npos);
  CHECK(test_plan.find("-o build/exercises/multihead_attention_judge") == std::string::npos);
  CHECK(test_plan.find("-o build/exercises/attention_runner_solution") == std::string::npos);
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

TEST_CASE("make gdb and make tutorial without T print their usage and build nothing") {
  for (const char* target : {"gdb", "tutorial"}) {
    for (const std::string t : {"", " T=99"}) {
      const MakeRun run = run_make(std::string(target) + t);
      INFO(target << t << ":\n" << run.output);
      CHECK(run.status != 0);
      CHECK(run.output.rfind(std::string("usage: make ") + target + " T=NN  (NN one of 01 02 03 ",
                             0) == 0);
      CHECK(run.output.find(" 10)") != std::string::npos);
      CHECK(run.output.find("MODE=debug") == std::string::npos);
      CHECK(run.output.find(" -c ") == std::string::npos);
    }
  }
}

TEST_CASE("make tutorial T=03 from nothing built compiles only the lesson files it includes") {
  const TempBuild build("t03");
  const std::string plan = make("-n BUILD=" + build.dir.string() + " tutorial T=03");
  INFO(plan.substr(0, 3000));
  fs::path tutorial;
  for (const auto& e : fs::directory_iterator(repo_root() / "tutorials"))
    if (e.path().filename().string().rfind("03_", 0) == 0) tutorial = e.path();
  REQUIRE(!tutorial.empty());
  const std::set<std::string> expected = lesson_files_of(tutorial);
  CHECK(expected.count("lesson03") == 1);
  CHECK(expected.count("lesson02") == 1);  // lesson03.cpp includes lesson02.h
  // The tutorials/common/ files the plan compiles.
  std::set<std::string> compiled;
  const std::string marker = " -c tutorials/common/";
  for (size_t at = plan.find(marker); at != std::string::npos; at = plan.find(marker, at + 1)) {
    const size_t from = at + marker.size();
    compiled.insert(plan.substr(from, plan.find(".cpp", from) - from));
  }
  CHECK(compiled == expected);
  CHECK(plan.find("lesson06") == std::string::npos);
  CHECK(plan.find("trainer") == std::string::npos);
}

TEST_CASE("the flags file: rewritten when CXXFLAGS change, and every object is rebuilt then") {
  const TempBuild build("flags");
  const std::string dir = build.dir.string(), object = dir + "/obj/core/tensor.o";
  const std::string with_a = "-n BUILD=" + dir + " CXXFLAGS=-DAG_FLAGS_A " + object;
  const std::string first = make(with_a);
  CHECK(first.find("-DAG_FLAGS_A") != std::string::npos);
  const fs::path flags = build.dir / "flags.txt";
  REQUIRE(fs::exists(flags));
  const std::string text_a = ag::io::read_file(flags.string());
  CHECK(text_a.rfind("compiler: ", 0) == 0);
  CHECK(text_a.find("library: -DAG_FLAGS_A -std=c++20") != std::string::npos);
  // Pretend the object (and g++'s precompiled header) were built after the flags were written.
  const auto now = fs::file_time_type::clock::now();
  for (const char* made : {"/obj/core/tensor.o", "/pch/std_headers.h.gch", "/pch/std_headers.h"}) {
    fs::create_directories(fs::path(dir + made).parent_path());
    ag::io::write_file_atomic(dir + made, "");
    fs::last_write_time(dir + made, now - std::chrono::seconds(5));
  }
  fs::last_write_time(flags, now - std::chrono::seconds(10));
  const std::string same = make(with_a);
  INFO(same);
  CHECK(same.find("core/tensor.cpp") == std::string::npos);  // the same flags: nothing to do
  CHECK(fs::last_write_time(flags) == now - std::chrono::seconds(10));
  const std::string other = make("-n BUILD=" + dir + " CXXFLAGS=-DAG_FLAGS_B " + object);
  INFO(other);
  CHECK(other.find("-DAG_FLAGS_B") != std::string::npos);
  CHECK(other.find("-c core/tensor.cpp") != std::string::npos);
  CHECK(ag::io::read_file(flags.string()).find("library: -DAG_FLAGS_B -std=c++20") !=
        std::string::npos);
}

TEST_CASE("make CXX=clang++ builds into build/clang/ without g++'s options") {
  if (std::system("clang++ --version > /dev/null 2>&1") != 0) {
    MESSAGE("skipped: clang++ is not installed");
    return;
  }
  const std::string plan = make("-n -B CXX=clang++ tutorial T=03");  // -B: as if nothing were built
  INFO(plan.substr(0, 3000));
  CHECK(plan.find("clang++ ") != std::string::npos);
  CHECK(plan.find("build/clang/obj/tutorials/03_decoder_masked_attention.o") != std::string::npos);
  CHECK(plan.find("-Wno-maybe-uninitialized") == std::string::npos);  // g++'s only
  CHECK(plan.find(".gch") == std::string::npos);                      // the precompiled header too
  CHECK(plan.find(" build/obj/") == std::string::npos);
}

TEST_CASE("mk/lint.sh: one line per offender, then a count; fails only when there is one") {
  const TempBuild fixture("lint");
  const std::string dir = fixture.dir.string();
  const std::string wide = dir + "/wide.cpp", long_file = dir + "/long.h", fine = dir + "/fine.cpp";
  // Line 2: 101 characters; line 3: 100 characters, 200 bytes (× is two bytes in UTF-8).
  std::string multiplied;
  for (int i = 0; i < 100; ++i) multiplied += "\xc3\x97";
  ag::io::write_file_atomic(wide, "int x;\n" + std::string(101, 'x') + "\n" + multiplied + "\n");
  std::string lines;
  for (int i = 0; i < 401; ++i) lines += "// line\n";
  ag::io::write_file_atomic(long_file, lines);
  ag::io::write_file_atomic(
      fine, lines.substr(16) + std::string(100, 'y') + "\n");  // 400 lines, 100 columns
  const MakeRun bad = run_shell("sh '" + (repo_root() / "mk/lint.sh").string() + "' '" + wide +
                                "' '" + long_file + "' '" + fine + "'");
  CHECK(bad.status == 1);
  CHECK(bad.output == wide + ":2: 101 columns (limit 100)\n" + long_file +
                          ": 401 lines (budget 400)\n" +
                          "lint: 1 files over 400 lines, 1 lines over 100 columns\n");
  const MakeRun good =
      run_shell("sh '" + (repo_root() / "mk/lint.sh").string() + "' '" + fine + "'");
  CHECK(good.status == 0);
  CHECK(good.output.empty());
}

TEST_CASE("make lint: every line it reports is right") {
  const MakeRun lint = run_make("-s lint");
  std::istringstream report(lint.output);
  int offenders = 0;
  for (std::string line; std::getline(report, line);) {
    if (line.rfind("lint: ", 0) == 0 || line.rfind("make: ***", 0) == 0) continue;
    ++offenders;
    INFO(line);
    const size_t colon = line.find(':');
    REQUIRE(colon != std::string::npos);
    const std::string text = ag::io::read_file((repo_root() / line.substr(0, colon)).string());
    int line_number = 0, count = 0;
    if (std::sscanf(line.c_str() + colon, ":%d: %d columns (limit 100)", &line_number, &count) ==
        2) {
      std::istringstream lines(text);
      std::string wanted;
      for (int i = 0; i < line_number; ++i) std::getline(lines, wanted);
      int characters = 0;
      for (unsigned char c : wanted) characters += (c & 0xC0) != 0x80;
      CHECK(characters == count);
      CHECK(count > 100);
    } else {
      REQUIRE(std::sscanf(line.c_str() + colon, ": %d lines (budget 400)", &count) == 1);
      CHECK(count == std::count(text.begin(), text.end(), '\n'));
      CHECK(count > 400);
    }
  }
  CHECK((lint.status != 0) == (offenders > 0));
}

}  // TEST_SUITE("tutorials")

TEST_SUITE("tutorials") {

TEST_CASE("tutorials/README.md's NumPy check of --save runs and agrees") {
  // The README's commands: tutorial 02 with --save (the program `make tutorial T=02`
  // runs), then its python3 lines, with our own directory instead of /tmp/steps.
  const fs::path repo = repo_root(), program = repo / "build/tutorials/02_encoder_self_attention";
  if (ag_test::platform::executable_path().parent_path() != repo / "build") {
    MESSAGE("skipped: this suite runs from " << ag_test::platform::executable_path().parent_path()
                                             << ", the README's command from build/");
    return;
  }
  if (!fs::exists(program)) {
    MESSAGE(
        "skipped: build/tutorials/02_encoder_self_attention is not built (make tutorials builds "
        "it)");
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
  for (size_t at; (at = python.find("/tmp/steps")) != std::string::npos;)
    python.replace(at, 10, dir.string());
  std::string output;
  const std::string command = "cd '" + repo.string() + "' && AG_TUTORIAL_OUT='" + dir.string() +
                              "' '" + program.string() + "' --save '" + dir.string() +
                              "' > /dev/null && /usr/bin/" + python + " 2>&1";
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

}  // TEST_SUITE("tutorials")
