// tutorials/exercises/tools/grading/judge_result.cpp: see judge_result.h.
#include "tutorials/exercises/tools/grading/judge_result.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tutorials/exercises/tools/grading/process.h"

namespace fs = std::filesystem;

namespace grading {

namespace {

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, '\t');) out.push_back(field);
  return out;
}

}  // namespace

Row parse_result(const std::string& text, const std::string& name) {
  Row row;
  row.file = name;
  bool scored = false;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const std::vector<std::string> f = fields(line);
    if (f.size() >= 5 && (f[0] == "check" || f[0] == "hidden")) {
      CheckResult check{f[1], std::stoi(f[2]), std::stoi(f[3]), f[4], f[0] == "hidden"};
      // A breach is named: "breach: your code tried to open a file for writing".
      if (check.reason == "breach" && f.size() >= 6)
        check.reason += ": " + (f[5].rfind("your code ", 0) == 0 ? f[5].substr(10) : f[5]);
      row.checks.push_back(check);
    } else if (f.size() == 2 && f[0] == "score") {
      row.score = std::stoi(f[1]);  // the judge's own count (visible and hidden: their mean)
      scored = true;
    } else if (f.size() == 2 && f[0] == "seconds") {
      row.seconds = std::stod(f[1]);
    } else if (f.size() == 2 && f[0] == "peak_bytes") {
      row.peak_bytes = std::stoull(f[1]);
    }
  }
  if (!scored) {  // an older judge without the score line: the visible checks' sum
    for (const CheckResult& check : row.checks) row.score += check.hidden ? 0 : check.got;
  }
  row.reason = row_reason(row);
  return row;
}

std::string row_reason(const Row& row) {
  if (row.score == 100) return "";
  std::string reason;
  for (const CheckResult& check : row.checks) {
    // "not_run" only follows the timeout or memory that stopped the rest.
    if (check.reason == "pass" || check.reason == "not_run" ||
        reason.find(check.reason) != std::string::npos)
      continue;
    reason += (reason.empty() ? "" : "; ") + check.reason;
  }
  return reason.empty() ? "wrong" : reason;
}

Graded judge(const Setup& setup, const std::string& runner, const std::string& name,
             const std::string& work) {
  const std::string result = (fs::path(work) / "result.txt").string();
  // The student is the file's own name (hidden checks are seeded from it), wherever DIR is.
  const std::string student = fs::path(name).filename().string();
  // One runner at a time per judge (AG_GRADE_JOBS): grade-all already grades hand-ins side by
  // side, and more runners than cores would stretch every check towards its wall-clock limit.
  std::vector<std::string> argv = {"env",       "AG_GRADE_JOBS=1", setup.judge, "--runner", runner,
                                   "--student", student,           "--result",  result};
  if (setup.hidden) argv.push_back("--hidden");
  // In the hand-in's scratch folder: a relative path the runner tries (../grades.csv.tmp) is
  // not the gradebook, which is written only after the last hand-in anyway.
  const Finished ran = run_command(argv, setup.judge_seconds, work);
  Graded out;
  std::ifstream in(result, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || ran.timed_out || ran.status != 0) {
    out.row.file = name;
    out.row.reason = ran.timed_out ? "timeout" : "judge failed";
    out.report = ran.output + "\n(the judge ended with status " + std::to_string(ran.status) +
                 (ran.timed_out ? ", stopped at its own limit" : "") +
                 " and no result: the teacher's side failed; grade this hand-in by hand)\n" +
                 "\nscore: 0/100\n";
    return out;
  }
  out.row = parse_result(text.str(), name);
  // The judge's report, then the score as the tool counted it from the result file.
  std::string report = ran.output;
  const size_t last = report.rfind("score: ");
  if (last != std::string::npos && (last == 0 || report[last - 1] == '\n')) report.resize(last);
  out.report = report + "score: " + std::to_string(out.row.score) + "/100\n";
  return out;
}

}  // namespace grading
