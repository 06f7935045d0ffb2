// Every assignment through the grading pipeline (mk/grading.mk): the
// reference solution scores 100 and the skeleton 0. Minutes of compiling
// (twelve hand-outs, cut libraries, judges): the suite skips it, and
// `make grade-every` runs it.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/helpers/exercise_test_util.h"

namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir = ex_test::exercise_dir() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The first line of grades.csv that names `file` (the hand-in's path ends it).
std::string row_of(const std::string& csv, const std::string& file) {
  std::istringstream lines(csv);
  for (std::string line; std::getline(lines, line);)
    if (line.find("/" + file + ",") != std::string::npos) return line;
  return "";
}

int score_in(const std::string& row) {
  const size_t comma = row.find(',');
  return comma == std::string::npos ? -1 : std::atoi(row.c_str() + comma + 1);
}

// A folder of hand-ins for `exercise` made of the reference solution and the
// skeleton: a .cpp each for a function assignment; for a framework one, a
// folder each with the library's own region files and the hand-out's cut ones.
fs::path reference_and_skeleton(const std::string& exercise, const fs::path& dir) {
  const fs::path root = ex_test::repo_root();
  const fs::path handins = dir / exercise;
  fs::create_directories(handins);
  if (fs::exists(root / "tutorials/exercises" / (exercise + ".cpp"))) {
    fs::copy_file(root / "tests/exercise_solutions" / (exercise + ".cpp"),
                  handins / "reference.cpp");
    fs::copy_file(root / "tutorials/exercises" / (exercise + ".cpp"), handins / "skeleton.cpp");
    return handins;
  }
  const fs::path handout = ex_test::exercise_dir().parent_path() / "grading" / exercise / "handout";
  const std::string marker = "ASSIGNMENT ";
  for (const char* room : {"core", "nn", "optim", "data"})
    for (const auto& entry : fs::recursive_directory_iterator(root / room)) {
      if (entry.path().extension() != ".cpp") continue;
      const std::string text = ex_test::read_file(entry.path());
      // The files with a region of this assignment (its name in a marker's list).
      bool has_region = false;
      for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
        const std::string names =
            text.substr(at + marker.size(), text.find('/', at) - at - marker.size());
        has_region =
            has_region || ("," + names + ",").find("," + exercise + ",") != std::string::npos;
      }
      if (!has_region) continue;
      const fs::path relative = fs::relative(entry.path(), root);
      fs::create_directories((handins / "reference" / relative).parent_path());
      fs::create_directories((handins / "skeleton" / relative).parent_path());
      fs::copy_file(entry.path(), handins / "reference" / relative);
      fs::copy_file(handout / relative, handins / "skeleton" / relative);
    }
  return handins;
}

}  // namespace

TEST_SUITE("exercises.grading") {
// Heavy (every assignment, built and graded: minutes): `make grade-every` runs it.
TEST_CASE("grading: every assignment, through the pipeline: the reference 100, the skeleton 0" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  if (ex_test::is_handout()) return;
  const fs::path dir = scratch("grading-every");
  const std::vector<std::string>& exercises = ex_test::kAssignments;
  for (const std::string& exercise : exercises) {
    // The hand-out first: the framework skeleton is its cut copy of the files.
    const ex_test::Run prereqs = ex_test::make("grade-prereqs EX=" + exercise);
    REQUIRE_MESSAGE(prereqs.status == 0, prereqs.output);
    const fs::path handins = reference_and_skeleton(exercise, dir);
    const ex_test::Run run = ex_test::make("grade-all EX=" + exercise + " DIR=" + handins.string() +
                                           " OUT=" + (dir / "grades" / exercise).string());
    const std::string csv = ex_test::read_file(dir / "grades" / exercise / "grades.csv");
    INFO(exercise << ": make grade-all said:\n" << run.output << "\ngrades.csv:\n" << csv);
    CHECK(run.status == 0);
    const bool framework = fs::is_directory(handins / "reference");
    CHECK(score_in(row_of(csv, framework ? "reference" : "reference.cpp")) == 100);
    CHECK(score_in(row_of(csv, framework ? "skeleton" : "skeleton.cpp")) == 0);
  }
}
}  // TEST_SUITE("exercises.grading")
