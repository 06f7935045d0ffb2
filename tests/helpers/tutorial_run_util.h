// tests/helpers/tutorial_run_util.h: running the tutorial programs from a test
// (tests/tutorials/test_tutorials_suggestions*.cpp): build them with make on
// first use, run one with arguments in a fresh output folder, and read its
// printed matrices and prose back.
#pragma once

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/helpers/platform.h"

namespace tut_test {

namespace fs = std::filesystem;

inline fs::path repo_root() {
  fs::path p = ag_test::platform::executable_path().parent_path();
  while (!fs::exists(p / "tutorials/common/article.cpp") && p != p.parent_path())
    p = p.parent_path();
  return p;
}

struct Run {
  std::string out;  // stdout and stderr
  int status = -1;  // exit status, or -1 when killed by a signal (an abort)
};

inline Run shell(const std::string& command) {
  Run run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) run.out.append(chunk, n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A folder under /tmp for one case's SVGs and --save files, removed afterwards.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("ag_suggest_" + name + "_" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// The suite's own build folder (build/, build/clang/, build/clang-libc++/, build/asan/, ...):
// the tutorials it runs are the ones built beside it.
inline fs::path build_dir() { return ag_test::platform::executable_path().parent_path(); }

// <build folder>/tutorials/NN_*, brought up to date by make on first use (a no-op under
// `make test`, which builds them first).
inline fs::path program(const std::string& number) {
  const fs::path root = repo_root();
  const std::string folder = build_dir().lexically_relative(root).generic_string();
  static const Run made = [&] {
    std::string targets;
    for (const auto& e : fs::directory_iterator(root / "tutorials"))
      if (e.path().extension() == ".cpp" && std::isdigit(e.path().filename().string()[0]))
        targets += " " + folder + "/tutorials/" + e.path().stem().string();
    return shell("make -s --no-print-directory -C '" + root.string() + "'" +
                 ag_test::platform::build_make_variables() + targets);
  }();
  INFO(made.out);
  REQUIRE(made.status == 0);
  for (const auto& e : fs::directory_iterator(build_dir() / "tutorials"))
    if (e.path().filename().string().rfind(number + "_", 0) == 0) return e.path();
  FAIL("no " << folder << "/tutorials/" << number << "_*");
  return {};
}

// Runs a tutorial with these arguments, its output in a fresh folder.
inline Run tutorial(const std::string& number, const std::string& args, const fs::path& out) {
  return shell("cd '" + repo_root().string() + "' && AG_TUTORIAL_OUT='" + out.string() + "' '" +
               program(number).string() + "' " + args);
}

// Every run of spaces and newlines as one space: say() wraps its paragraphs at 78 columns.
inline std::string flat(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n';
    if (!space || (!out.empty() && out.back() != ' ')) out += space ? ' ' : c;
  }
  return out;
}

inline bool has(const Run& r, const std::string& text) {
  return flat(r.out).find(flat(text)) != std::string::npos;
}

// Every run: no signal, no uncaught exception; the status the case expects.
inline void check_ends(const Run& r, int status) {
  INFO(r.out);
  CHECK(r.status == status);
  CHECK_FALSE(has(r, "terminate called"));
  CHECK_FALSE(has(r, "Aborted"));
  if (status == 1) CHECK(has(r, "The tutorial stops here:"));
}

// The numbers of row `row` of the first matrix printed under `title` (its header skipped).
inline std::vector<double> matrix_row(const std::string& text, const std::string& title,
                                      const std::string& row) {
  size_t at = text.find("\n" + title + "\n");
  REQUIRE_MESSAGE(at != std::string::npos, "no matrix titled " << title);
  at = text.find('\n', at + title.size() + 2);  // the end of the column labels' line
  REQUIRE(at != std::string::npos);
  at = text.find("\n" + row + " ", at);
  REQUIRE(at != std::string::npos);
  const std::string line = text.substr(at + 1 + row.size(), text.find('\n', at + 1) - at - 1);
  std::vector<double> values;
  const char* p = line.c_str();
  for (char* end; *p; p = end) {
    const double v = std::strtod(p, &end);
    if (end == p) break;
    values.push_back(v);
  }
  return values;
}

// "saved N files to DIR" is the last line, and N is what DIR holds.
inline void check_saved(const Run& r, const fs::path& dir) {
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  INFO(r.out);
  CHECK(files > 1);
  const std::string last = "saved " + std::to_string(files) + " files to " + dir.string() + "\n";
  CHECK(r.out.size() >= last.size());
  CHECK(r.out.substr(r.out.size() - last.size()) == last);
}

}  // namespace tut_test
