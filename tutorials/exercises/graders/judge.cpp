// tutorials/exercises/graders/judge.cpp: running the checks through the runner, and the report.
//
// For each check: encode its inputs, start the runner confined
// (sandbox::run, AG_GRADE_JOBS of them at a time, default 2) with them on
// stdin, and turn how it ended into an Outcome:
// a breach of a limit, a crash, no result, a malformed result, an exception
// of the student's code, or outputs, which the check's judge function
// compares. Then one report line per check, and the score, counted here.
//
// --result FILE writes, atomically, one tab-separated line per check:
//   check <TAB> name <TAB> points got <TAB> points max <TAB> reason code <TAB> first line of reason
// (reason codes: pass, wrong, threw, timeout, cpu, memory, breach, crash,
// no_result, malformed, grader_error), then "seconds <TAB> S", "peak_bytes <TAB> B"
// (the largest of any runner) and "score <TAB> N".
#include "tutorials/exercises/graders/judge.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tutorials/exercises/graders/judge_report.h"
#include "tutorials/exercises/sandbox/sandbox.h"

namespace judge {
namespace {

// A check may run this long before it counts as an endless loop: the checks
// take milliseconds, so 5 s is generous even for a sanitizer build (~10x
// slower). AG_GRADE_TIMEOUT=<seconds> overrides it.
double timeout_seconds() {
  const char* text = std::getenv("AG_GRADE_TIMEOUT");
  const int seconds = text ? std::atoi(text) : 0;
  return seconds > 0 ? seconds : 5;
}

std::string describe_signal(int sig) {
  std::string text = "your code crashed: ";
  text += strsignal(sig);
  if (sig == SIGSEGV || sig == SIGBUS) text += " (an index out of bounds, or a null pointer?)";
  if (sig == SIGFPE) text += " (an integer division by zero?)";
  if (sig == SIGABRT) text += " (an assert, or an exception that escaped a thread?)";
  return text;
}

// The last lines the runner printed (a sanitizer's report, the student's own prints).
std::string log_tail(const std::string& log) {
  if (log.empty()) return "";
  size_t start = log.size(), lines = 0;
  while (start > 0 && lines < 12)
    if (log[--start] == '\n' && start + 1 < log.size()) ++lines;
  std::string tail = log.substr(start == 0 ? 0 : start + 1);
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  return "\nits last output:\n  " + tail;
}

// Why a run of the runner gave no outputs to judge (a breach, a crash, no
// record), or Code::pass when it exited normally with some: the check decides.
Outcome failed_run(const sandbox::Result& run) {
  const std::string& breach = run.breach;
  if (breach.rfind("stopped after", 0) == 0)
    return {Code::timeout, "your code was " + breach + " (an endless loop?)"};
  if (breach.find("of CPU") != std::string::npos)
    return {Code::cpu, "your code " + breach + " (an endless loop?)"};
  if (breach.rfind("used more than", 0) == 0) return {Code::memory, "your code " + breach};
  if (!breach.empty()) return {Code::breach, "your code " + breach};
  if (run.signal != 0) return {Code::crash, describe_signal(run.signal) + log_tail(run.log)};
  if (run.output.empty() || run.exit_status != 0)
    return {Code::no_result,
            "the check ended without a result (exit status " + std::to_string(run.exit_status) +
                "): did your code call exit(), or did a sanitizer stop it?" + log_tail(run.log)};
  return {Code::pass, ""};
}

// One run of the runner, or why it could not be started, or (ran false) not
// started at all: an earlier check had already stopped the hand-in.
struct Launched {
  sandbox::Result run;
  std::string error;
  bool ran = false;
};

// A run that ran out of memory will most likely do it again in every check
// (the leak is in the code every check calls); so will an endless loop that
// two checks in a row ran into. The rest of the hand-in's checks are then not
// run: a class with a memory hog or an endless loop costs seconds per
// hand-in, not 5 s per check. A single timeout does not stop the rest: a loop
// can depend on the input (an int8_t index never reaches 257 on a long row),
// and the other checks deserve their points. Nor does a crash or a wrong
// answer: those are cheap, and often one check's alone.
enum class Stop { no, if_twice, now };
Stop stop_after(const Launched& launched) {
  if (!launched.ran || !launched.error.empty()) return Stop::no;
  const Code code = failed_run(launched.run).code;
  if (code == Code::memory) return Stop::now;
  return code == Code::timeout || code == Code::cpu ? Stop::if_twice : Stop::no;
}

// The first check (in the checks' order) after which the rest are not run:
// a memory breach, or the second of two timeouts in a row; none: size().
size_t first_stop(const std::vector<Launched>& launched) {
  for (size_t i = 0; i < launched.size(); ++i) {
    const Stop stop = stop_after(launched[i]);
    if (stop == Stop::now ||
        (stop == Stop::if_twice && i > 0 && stop_after(launched[i - 1]) == Stop::if_twice))
      return i;
  }
  return launched.size();
}

// AG_GRADE_JOBS=<n> runners at a time (default 2: the checks are independent,
// and each runner is confined on its own).
unsigned jobs() {
  const char* text = std::getenv("AG_GRADE_JOBS");
  const int n = text ? std::atoi(text) : 0;
  return n > 0 ? static_cast<unsigned>(n) : 2u;
}

// Starts the runner once per check, a few at a time, in the checks' order, and
// starts no more once one run stops the rest; only the launches run in threads:
// the judging afterwards is sequential, in the checks' order.
std::vector<Launched> launch_all(const std::vector<const Check*>& checks,
                                 const std::string& runner) {
  sandbox::Limits limits;
  // The wall clock is the limit a student reads about ("stopped after 5 s").
  // The CPU limit only backs it up: a runner on the library's 2 threads may
  // use twice the wall time in CPU, and with equal limits a one-thread loop
  // would meet either first, by a tick, and be reported either way.
  limits.wall_seconds = timeout_seconds();
  limits.cpu_seconds = 2 * limits.wall_seconds + 1;
  std::vector<Launched> launched(checks.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> stopped{false};
  // Each check's Stop once it has run (read by the other job for "in a row").
  std::vector<std::atomic<int>> done(checks.size() + 1);
  for (auto& d : done) d = -1;
  auto worker = [&] {
    for (size_t i; !stopped && (i = next++) < checks.size();) {
      try {
        launched[i].run = sandbox::run({runner}, checks[i]->inputs.encode(), limits);
      } catch (const std::exception& e) {
        launched[i].error = e.what();
      }
      launched[i].ran = true;
      const Stop stop = stop_after(launched[i]);
      done[i] = static_cast<int>(stop);
      const int twice = static_cast<int>(Stop::if_twice);
      if (stop == Stop::now ||
          (stop == Stop::if_twice && ((i > 0 && done[i - 1] == twice) || done[i + 1] == twice)))
        stopped = true;  // every check up to this pair was started: first_stop() is exact
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs() && t < checks.size(); ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& thread : threads) thread.join();
  return launched;
}

Outcome judge_run(const Check& check, const Launched& launched, Totals& totals) {
  if (!launched.error.empty())
    return {Code::grader_error, "grader error: cannot start the runner: " + launched.error};
  const sandbox::Result& run = launched.run;
  totals.seconds += run.seconds;
  totals.peak_bytes = std::max(totals.peak_bytes, run.peak_bytes);
  Outcome ended = failed_run(run);
  if (ended.code != Code::pass) return ended;
  try {
    const wire::Record outputs = wire::Record::decode(run.output);
    if (outputs.has("threw")) return {Code::threw, "your code threw: " + outputs.text("threw")};
    check.judge(check.inputs, outputs);
    return {Code::pass, ""};
  } catch (const wire::Malformed& e) {
    return {Code::malformed, std::string("the runner's output is malformed: ") + e.what()};
  } catch (const Wrong& e) {
    return {Code::wrong, e.what()};
  } catch (const std::exception& e) {
    return {Code::grader_error, std::string("grader error: ") + e.what()};
  }
}

struct Options {
  std::string runner, student, result_file, save_inputs;
  bool hidden = false, visible_only = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--runner" && has_value)
      o.runner = argv[++i];
    else if (arg == "--student" && has_value)
      o.student = argv[++i];
    else if (arg == "--result" && has_value)
      o.result_file = argv[++i];
    else if (arg == "--save-inputs" && has_value)
      o.save_inputs = argv[++i];
    else if (arg == "--hidden")
      o.hidden = true;
    else if (arg == "--visible-only")
      o.visible_only = true;
    else
      throw std::runtime_error("unknown or incomplete argument '" + arg + "'");
  }
  if (o.runner.empty() && o.save_inputs.empty())
    throw std::runtime_error("--runner PATH (or --save-inputs DIR) is required");
  return o;
}

// Each check's inputs in DIR/NN-entry.in, for running the runner by hand.
int save_inputs(const std::vector<Check>& checks, const std::string& dir) {
  std::filesystem::create_directories(dir);
  for (size_t i = 0; i < checks.size(); ++i) {
    char number[32];
    std::snprintf(number, sizeof number, "%02zu", i + 1);
    const std::string file = dir + "/" + number + "-" + checks[i].inputs.text("entry") + ".in";
    write_atomically(file, checks[i].inputs.encode());
    std::printf("%s  %s\n", file.c_str(), checks[i].name.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv, const Assignment& assignment) {
#ifdef __linux__
  // Not dumpable: a runner of the same user cannot open this process's
  // /proc/<pid>/mem and read the expected values (Linux allows that to the
  // same user unless Yama says otherwise; where Landlock is missing, the
  // runner's reads are not confined to the system's folders).
  prctl(PR_SET_DUMPABLE, 0);
#endif
  Options options;
  try {
    options = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "%s\nusage: %s --runner PATH [--student NAME] [--hidden] [--visible-only] "
                 "[--result FILE] [--save-inputs DIR]\n",
                 e.what(), argv[0]);
    return 2;
  }
  std::vector<Check> hidden;
  const bool run_hidden = options.hidden && !options.visible_only;
  if (run_hidden) {
    if (!assignment.hidden) {
      std::fprintf(stderr, "%s: this judge has no hidden checks (a hand-out's copy)\n", argv[0]);
      return 2;
    }
    const std::string student = options.student.empty() ? "anonymous" : options.student;
    hidden = assignment.hidden(student);
  }
  // The old way to step through a check (the checks ran inside the grader):
  // say how it is done now, with the inputs saved beside the runner.
  const char* inline_env = std::getenv("AG_GRADE_INLINE");
  if (inline_env && std::strcmp(inline_env, "1") == 0 && options.save_inputs.empty()) {
    options.save_inputs = options.runner + "-inputs";
    std::printf(
        "AG_GRADE_INLINE=1: your code runs in the runner, not in the judge. Each check's\n"
        "inputs are in %s/; step through one with\n  gdb --args %s %s/01-%s.in\n\n",
        options.save_inputs.c_str(), options.runner.c_str(), options.save_inputs.c_str(),
        assignment.checks.empty() ? "" : assignment.checks[0].inputs.text("entry").c_str());
  }
  if (!options.save_inputs.empty()) {
    std::vector<Check> all = assignment.checks;
    all.insert(all.end(), hidden.begin(), hidden.end());
    return save_inputs(all, options.save_inputs);
  }
  Report report(assignment.title,
                options.student.empty() ? assignment.student_file : options.student);
  if (!report.points_add_up(assignment.checks, "the checks") ||
      (run_hidden && !report.points_add_up(hidden, "the hidden checks")))
    return 2;
  std::vector<const Check*> all;
  for (const Check& check : assignment.checks) all.push_back(&check);
  for (const Check& check : hidden) all.push_back(&check);
  const std::vector<Launched> launched = launch_all(all, options.runner);
  Totals totals;
  // Every check after the one that stopped the rest is "not run", even one the
  // other job had already run: the report is the same on every rerun.
  const size_t stop = first_stop(launched);
  for (size_t i = 0; i < all.size(); ++i) {
    const bool hidden = i >= assignment.checks.size();
    if (i <= stop) {
      report.add(*all[i], judge_run(*all[i], launched[i], totals), hidden);
      continue;
    }
    const std::string& breach = launched[stop].run.breach;  // "used more than 2 GiB", ...
    const std::string what = (breach.rfind("stopped", 0) == 0 ? "was " : "") + breach;
    report.add(*all[i], {Code::not_run, "not run: an earlier check " + what}, hidden);
  }
  report.finish(totals);
  if (options.result_file.empty()) return 0;
  try {
    write_atomically(options.result_file, report.result_text());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 2;
  }
  return 0;
}

}  // namespace judge
