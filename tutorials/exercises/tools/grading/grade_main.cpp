// tutorials/exercises/tools/grading/grade_main.cpp: the grading tool.
//
//   grade_tool one EX HANDIN WORK          one hand-in: its report on stdout
//   grade_tool all EX DIR OUT [JOBS]       a class: OUT/grades.csv, summary.md,
//                                          timings.csv, one report per hand-in
//
// make runs it (mk/grading.mk: make grade SRC=..., make grade-all), with the
// GRADE_* environment grade_handin.h describes. In DIR a hand-in is every
// *.cpp (a function assignment), or every folder and *.patch (a framework
// assignment). JOBS hand-ins (default 2) are graded at a time. Every file of
// OUT is written by this process, atomically, after the last hand-in.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include "tutorials/exercises/tools/grading/grade_handin.h"

namespace fs = std::filesystem;
using namespace grading;

namespace {

// The hand-ins of DIR, sorted by name: the order (and so every file) is the same on a rerun.
std::vector<fs::path> handins(const fs::path& dir, bool framework) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path& path = entry.path();
    const bool wanted = framework ? entry.is_directory() || path.extension() == ".patch"
                                  : entry.is_regular_file() && path.extension() == ".cpp";
    if (wanted && path.filename().string()[0] != '.') found.push_back(path);
  }
  std::sort(found.begin(), found.end());
  return found;
}

// The row names the hand-in as DIR/NAME, the path the teacher gave.
std::string row_name(const fs::path& handin) { return handin.generic_string(); }

std::string report_name(const fs::path& handin) {
  std::string stem = handin.filename().string();
  for (const char* ext : {".cpp", ".patch"})
    if (stem.size() > std::string(ext).size() && stem.ends_with(ext))
      stem.resize(stem.size() - std::string(ext).size());
  return stem + ".txt";
}

int grade_all(const Setup& setup, const fs::path& dir, const fs::path& out, int jobs) {
  if (!fs::is_directory(dir)) {
    std::cerr << "grade-all: " << dir.string() << " is not a folder\n";
    return 1;
  }
  const std::vector<fs::path> files = handins(dir, setup.framework);
  if (files.empty()) {
    std::cerr << "grade-all: no hand-in in " << dir.string()
              << (setup.framework ? " (a folder or .patch per student)" : " (*.cpp)") << "\n";
    return 1;
  }
  fs::create_directories(out / "work");
  std::vector<Graded> graded(files.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < files.size();) {
      const std::string stem = report_name(files[i]);
      graded[i] = grade_handin(setup, files[i].string(), row_name(files[i]),
                               (out / "work" / stem.substr(0, stem.size() - 4)).string());
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::max(1, jobs); ++j) pool.emplace_back(worker);
  for (std::thread& thread : pool) thread.join();

  std::vector<Row> rows;
  for (size_t i = 0; i < files.size(); ++i) {
    write_atomically((out / report_name(files[i])).string(), graded[i].report);
    rows.push_back(graded[i].row);
    std::printf("%-40s %3d/100  %s\n", row_name(files[i]).c_str(), graded[i].row.score,
                graded[i].row.reason.c_str());
  }
  write_atomically((out / "grades.csv").string(), grades_csv(rows));
  write_atomically((out / "summary.md").string(), summary_md(setup.assignment, rows));
  write_atomically((out / "timings.csv").string(), timings_csv(rows));
  std::printf("graded %zu hand-ins of %s: %s, summary.md, timings.csv, one report per hand-in\n",
              files.size(), setup.assignment.c_str(), (out / "grades.csv").string().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 4 && args[0] == "one") {
      const Setup setup = setup_from_environment(args[1]);
      const Graded graded = grade_handin(setup, args[2], args[2], args[3]);
      std::cout << graded.report;
      return 0;
    }
    if ((args.size() == 4 || args.size() == 5) && args[0] == "all") {
      const Setup setup = setup_from_environment(args[1]);
      return grade_all(setup, args[2], args[3], args.size() == 5 ? std::stoi(args[4]) : 2);
    }
  } catch (const std::exception& error) {
    std::cerr << error.what() << "\n";
    return 2;
  }
  std::cerr << "usage: grade_tool one EX HANDIN WORK | grade_tool all EX DIR OUT [JOBS]\n";
  return 2;
}
