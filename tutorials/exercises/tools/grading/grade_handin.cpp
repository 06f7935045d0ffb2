// tutorials/exercises/tools/grading/grade_handin.cpp: see grade_handin.h.
#include "tutorials/exercises/tools/grading/grade_handin.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tutorials/exercises/sandbox/sandbox.h"
#include "tutorials/exercises/tools/grading/handin_checks.h"
#include "tutorials/exercises/tools/grading/judge_result.h"
#include "tutorials/exercises/tools/grading/process.h"
#include "tutorials/exercises/tools/grading/suite_tests.h"

namespace fs = std::filesystem;

namespace grading {

namespace {

constexpr double kCompileSeconds = 120;  // a template bomb or #include "/dev/zero" stops here

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string environment(const char* name, bool required = true) {
  const char* value = std::getenv(name);
  if (!value && required) throw std::runtime_error(std::string("grade: ") + name + " is not set");
  return value ? value : "";
}

// A report worth 0: what went wrong and its details.
Graded refuse(const Setup& setup, const std::string& name, const std::string& reason,
              const std::string& message, const std::string& details = "") {
  Graded out;
  out.row.file = name;
  out.row.reason = reason;
  out.report = "Assignment " + setup.assignment + "\nstudent file: " + name + "\n\n  [  0/100] " +
               reason + ": " + message + "\n" + first_lines(details, 40, "              ") +
               "\nscore: 0/100\n";
  return out;
}

bool blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

// A compile of one source into object: "" when it compiled and its includes
// and object are allowed, else the refusal (reason, then message, then details).
struct Problem {
  std::string reason, message, details;
};

Problem compile(const Setup& setup, const fs::path& source, const fs::path& object) {
  const std::string depfile = object.string() + ".d";
  std::vector<std::string> argv = setup.cxx;
  argv.insert(argv.end(), setup.cxxflags.begin(), setup.cxxflags.end());
  for (const std::string& arg :
       {std::string("-I") + setup.handout, std::string("-MD"), std::string("-MF"), depfile,
        std::string("-c"), source.string(), std::string("-o"), object.string()})
    argv.push_back(arg);
  // First the preprocessor alone, for the inline-assembly check: the assembler
  // would read files (.incbin) during the compile itself.
  std::vector<std::string> preprocess = setup.cxx;
  preprocess.insert(preprocess.end(), setup.cxxflags.begin(), setup.cxxflags.end());
  const std::string preprocessed = object.string() + ".ii";
  for (const std::string& arg : {std::string("-I") + setup.handout, std::string("-E"),
                                 source.string(), std::string("-o"), preprocessed})
    preprocess.push_back(arg);
  const Finished expanded = run_command(preprocess, kCompileSeconds, source.parent_path().string());
  if (expanded.status == 0) {
    const std::string assembly = check_no_asm(read_text(preprocessed), source.string());
    fs::remove(preprocessed);
    if (!assembly.empty()) return {"forbidden code", first_lines(assembly, 1, ""), assembly};
  }
  // In its scratch folder: a path relative to the compiler's folder finds nothing.
  const Finished built = run_command(argv, kCompileSeconds, source.parent_path().string());
  if (built.timed_out)
    return {"compile error",
            "your file did not compile within " +
                std::to_string(static_cast<int>(kCompileSeconds)) + " s",
            ""};
  if (built.status != 0) {
    const std::string forbidden = missing_include_refusal(built.output, setup.teacher_root);
    if (!forbidden.empty()) return {"forbidden include", forbidden, ""};
    return {"compile error", "your file does not compile:", built.output};
  }
  const std::string includes = check_includes(dependencies(read_text(depfile)), source.string(),
                                              setup.handout, setup.assignment, setup.system_dirs);
  if (!includes.empty()) return {"forbidden include", includes, ""};
  const std::string construct = check_object(object.string());
  if (!construct.empty()) return {"forbidden code", first_lines(construct, 1, ""), construct};
  return {};
}

// The framework hand-in's files, laid out under work/src at their paths:
// the student's copy of each region file, or the files a patch changes.
Problem lay_out(const Setup& setup, const fs::path& handin, const fs::path& src,
                std::vector<std::string>& handed) {
  auto allowed = [&](const std::string& path) {
    for (const std::string& file : setup.region_files)
      if (file == path) return true;
    return false;
  };
  std::string list;
  for (const std::string& file : setup.region_files) list += (list.empty() ? "" : ", ") + file;
  if (fs::is_regular_file(handin)) {  // a .patch against the hand-out
    for (const std::string& file : setup.region_files) {
      fs::create_directories((src / file).parent_path());
      fs::copy_file(fs::path(setup.handout) / file, src / file);
    }
    std::istringstream lines(read_text(handin));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("+++ ", 0) != 0) continue;
      std::string path = line.substr(4);
      path = path.substr(0, path.find_first_of("\t "));
      if (path.rfind("b/", 0) == 0) path = path.substr(2);
      if (!allowed(path))
        return {"forbidden file",
                "your patch changes " + path + ", which is not one of this assignment's files (" +
                    list + ")",
                ""};
      handed.push_back(path);
    }
    if (handed.empty()) return {"empty", "your patch changes nothing", ""};
    const Finished patched = run_command({"patch", "-p1", "--batch", "--silent", "-d", src.string(),
                                          "-i", fs::absolute(handin).string()},
                                         60);
    if (patched.status != 0)
      return {"compile error", "your patch does not apply to the hand-out:", patched.output};
    return {};
  }
  for (const auto& entry : fs::recursive_directory_iterator(handin)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = fs::relative(entry.path(), handin).generic_string();
    if (!allowed(path))
      return {"forbidden file",
              "your hand-in holds " + path + ", which is not one of this assignment's files (" +
                  list + ")",
              ""};
    if (blank(read_text(entry.path()))) continue;  // an empty copy: as if not handed in
    fs::create_directories((src / path).parent_path());
    fs::copy_file(entry.path(), src / path);
    handed.push_back(path);
  }
  if (handed.empty()) return {"empty", "your hand-in holds none of " + list, ""};
  return {};
}

// The runner started once, confined, with no input, before any check: a
// hand-in whose static constructors loop, eat memory or breach the sandbox
// fails here once, in 1 s of CPU, rather than once per check (5 s each).
Problem start_runner(const std::string& runner) {
  sandbox::Limits limits;
  limits.wall_seconds = 2;  // (a busy machine: an honest start takes milliseconds of CPU)
  limits.cpu_seconds = 1;
  const sandbox::Result started = sandbox::run({runner}, "", limits);
  const std::string& breach = started.breach;
  if (breach.empty()) return {};  // it read no input and said so: its constructors are harmless
  const std::string before = "your code " + breach +
                             " before the first check (in a static "
                             "constructor?)";
  if (breach.rfind("stopped after", 0) == 0 || breach.find("of CPU") != std::string::npos)
    return {"timeout", before, started.log};
  if (breach.rfind("used more than", 0) == 0) return {"memory", before, started.log};
  return {"breach: " + breach, before, started.log};
}

std::string object_name(const std::string& path) {
  std::string flat = path;
  for (char& c : flat)
    if (c == '/') c = '_';
  return flat + ".o";
}

}  // namespace

Setup setup_from_environment(const std::string& assignment) {
  Setup s;
  s.assignment = assignment;
  s.framework = environment("GRADE_KIND") == "framework";
  s.teacher_root = fs::current_path().string();
  s.handout = fs::absolute(environment("GRADE_HANDOUT")).string();
  s.cxx = words(environment("GRADE_CXX"));
  s.cxxflags = words(environment("GRADE_CXXFLAGS"));
  s.ldflags = words(environment("GRADE_LDFLAGS"));
  s.runner_first = words(environment("GRADE_RUNNER_FIRST"));
  s.runner_last = words(environment("GRADE_RUNNER_LAST"));
  s.region_files = words(environment("GRADE_REGION_FILES", s.framework));
  s.cut_objects = environment("GRADE_CUT_OBJECTS", s.framework);
  s.judge = fs::absolute(environment("GRADE_JUDGE")).string();
  s.check_calls = environment("GRADE_CHECK_CALLS");
  s.hidden = environment("GRADE_HIDDEN", false) == "1";
  s.suites = environment("GRADE_SUITES", false);
  s.suite_first = words(environment("GRADE_SUITE_FIRST", false));
  // The standard library's folders are the ones the hand-in is compiled
  // against: with -stdlib=libc++ clang lists LLVM's, not libstdc++'s.
  std::vector<std::string> probe = s.cxx;
  for (const std::string& flag : s.cxxflags)
    if (flag.rfind("-stdlib=", 0) == 0) probe.push_back(flag);
  s.system_dirs = system_include_dirs(probe);
  return s;
}

Graded grade_handin(const Setup& setup, const std::string& handin, const std::string& name,
                    const std::string& work_dir) {
  const fs::path work = fs::absolute(work_dir);
  std::error_code error;
  fs::remove_all(work, error);
  fs::create_directories(work);
  if (!fs::exists(handin)) return refuse(setup, name, "missing", "there is no " + handin);
  std::vector<std::string> objects;
  if (!setup.framework) {
    if (blank(read_text(handin))) return refuse(setup, name, "empty", "your file is empty");
    const fs::path source = work / "handin.cpp", object = work / "handin.o";
    fs::copy_file(handin, source);
    Problem problem = compile(setup, source, object);
    if (!problem.reason.empty())
      return refuse(setup, name, problem.reason, problem.message, problem.details);
    // check_calls.sh prints one line per forbidden call; the reason names them (FORBIDDEN_OUT).
    const std::string names_file = (work / "forbidden.txt").string();
    const Finished calls = run_command({"env", "FORBIDDEN_OUT=" + names_file, setup.check_calls,
                                        setup.assignment, object.string()},
                                       60);
    if (calls.status != 0) {
      std::string names;
      std::istringstream listed(read_text(names_file));
      for (std::string line; std::getline(listed, line);)
        names += (names.empty() ? "" : "; ") + line;
      return refuse(setup, name, "forbidden call" + (names.empty() ? "" : ": " + names),
                    "your code calls what this assignment does not allow:", calls.output);
    }
    objects.push_back(object.string());
  } else {
    std::vector<std::string> handed;
    Problem problem = lay_out(setup, handin, work / "src", handed);
    if (!problem.reason.empty())
      return refuse(setup, name, problem.reason, problem.message, problem.details);
    for (const std::string& file : setup.region_files) {
      const bool theirs = std::find(handed.begin(), handed.end(), file) != handed.end();
      if (!theirs) {  // the hand-out's cut copy, compiled once for the class
        objects.push_back(
            (fs::path(setup.cut_objects) / (file.substr(0, file.size() - 4) + ".o")).string());
        continue;
      }
      const fs::path object = work / object_name(file);
      problem = compile(setup, work / "src" / file, object);
      if (!problem.reason.empty())
        return refuse(setup, name, problem.reason, file + ": " + problem.message, problem.details);
      objects.push_back(object.string());
    }
  }
  // The runner: the sandbox's entry first, the check bodies, the hand-in, the cut library.
  const std::string runner = (work / "runner").string();
  std::vector<std::string> link = setup.cxx;
  link.insert(link.end(), setup.runner_first.begin(), setup.runner_first.end());
  link.insert(link.end(), objects.begin(), objects.end());
  link.insert(link.end(), setup.runner_last.begin(), setup.runner_last.end());
  link.insert(link.end(), setup.ldflags.begin(), setup.ldflags.end());
  link.push_back("-o");
  link.push_back(runner);
  const Finished linked = run_command(link, kCompileSeconds);
  if (linked.status != 0)
    return refuse(setup, name, "link error",
                  "your file does not link with the runner (a function of the interface missing "
                  "or renamed?):",
                  linked.output);
  const Problem start = start_runner(runner);
  if (!start.reason.empty()) return refuse(setup, name, start.reason, start.message, start.details);
  Graded graded = judge(setup, runner, name, work.string());
  if (!setup.framework) return graded;
  const SuiteOutcome suite = run_suite_tests(setup.cxx, setup.suites, setup.suite_first, objects,
                                             setup.runner_last, setup.ldflags, work.string());
  if (suite.summary.empty()) return graded;
  graded.row.suite =
      suite.ran ? std::to_string(suite.passed) + "/" + std::to_string(suite.passed + suite.failed)
                : suite.column;
  if (!suite.ran || suite.failed > 0)
    graded.row.reason += (graded.row.reason.empty() ? "" : "; ") + std::string("suite tests ") +
                         (suite.ran ? "failed" : suite.column);
  // The suite's line goes before the score line, which stays the report's last.
  const size_t score_at = graded.report.rfind("score: ");
  graded.report.insert(std::min(score_at, graded.report.size()),
                       suite.summary + "\n" + suite.details + "\n");
  return graded;
}

}  // namespace grading
