// tutorials/exercises/graders/judge_report.cpp: the judge's report, result file, and the
// helpers a check's judge function uses (judge.h).
#include "tutorials/exercises/graders/judge_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace judge {

const char* code_name(Code code) {
  static const char* names[] = {"pass",      "wrong",     "threw",        "timeout",
                                "cpu",       "memory",    "breach",       "crash",
                                "no_result", "malformed", "grader_error", "not_run"};
  return names[static_cast<int>(code)];
}

Report::Report(const std::string& title, const std::string& student_file) {
  std::printf("%s\nstudent file: %s\n\n", title.c_str(), student_file.c_str());
}

bool Report::points_add_up(const std::vector<Check>& checks, const std::string& which) {
  int total = 0;
  for (const Check& check : checks) total += check.points;
  if (total == 100) return true;
  std::printf("grader error: %s are worth %d points, not 100\n", which.c_str(), total);
  return false;
}

void Report::add(const Check& check, const Outcome& outcome, bool hidden) {
  if (hidden && !any_hidden_) std::printf("\n  hidden checks (inputs seeded from your name):\n");
  any_hidden_ = any_hidden_ || hidden;
  const bool passed = outcome.code == Code::pass;
  const int got = passed ? check.points : 0;
  (hidden ? hidden_ : visible_) += got;
  lines_.push_back({check.name, got, check.points, outcome.code, outcome.reason, hidden});
  std::printf("  [%3d/%3d] %s  %s\n", got, check.points, passed ? "pass" : "FAIL",
              check.name.c_str());
  if (!passed) {  // a multi-line reason keeps its lines under the check's
    std::string indented = outcome.reason;
    for (size_t at = indented.find('\n'); at != std::string::npos; at = indented.find('\n', at + 1))
      indented.insert(at + 1, "              ");
    std::printf("              %s\n", indented.c_str());
  }
  std::fflush(stdout);
}

void Report::finish(const Totals& totals) {
  totals_ = totals;
  score_ = visible_;
  if (any_hidden_) {
    score_ = (visible_ + hidden_) / 2;
    std::printf("\nvisible checks: %d/100, hidden checks: %d/100 (the score is their mean)\n",
                visible_, hidden_);
  }
  std::printf("\nscore: %d/100\n", score_);
  std::fflush(stdout);
}

std::string Report::result_text() const {
  auto one_line = [](std::string text) {
    text = text.substr(0, text.find('\n'));
    for (char& c : text)
      if (c == '\t' || c == '\r') c = ' ';
    return text;
  };
  std::ostringstream out;
  for (const Line& line : lines_)
    out << (line.hidden ? "hidden" : "check") << '\t' << one_line(line.name) << '\t' << line.got
        << '\t' << line.points << '\t' << code_name(line.code) << '\t' << one_line(line.reason)
        << '\n';
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f", totals_.seconds);
  out << "seconds\t" << seconds << "\npeak_bytes\t" << totals_.peak_bytes << "\nscore\t" << score_
      << '\n';
  return out.str();
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + temporary);
  }
  std::filesystem::rename(temporary, path);
}

// ---- what a check's judge function uses ----

wire::Record call(const std::string& entry) {
  wire::Record inputs;
  inputs.put_text("entry", entry);
  return inputs;
}

Got::Got(const wire::Record& outputs, const std::string& name, const ag::Shape& shape,
         const std::string& label)
    : name_(label.empty() ? name : label), shape_(shape) {
  const wire::Floats& sent = outputs.floats(name);
  const int64_t numel = ag::numel_of(shape);
  if (sent.shape != shape || static_cast<int64_t>(sent.values.size()) != numel)
    throw wire::Malformed("'" + name + "' is not of shape " + ag::shape_str(shape));
  const int64_t past_end = outputs.integer(name + ".past_end");
  if (past_end >= 0)
    throw Wrong(name_ + " " + ag::shape_str(shape) + " holds " + std::to_string(numel) +
                " floats, but your code wrote element " + std::to_string(past_end) +
                ", past its end");
  values_ = sent.values;
}

void Got::expect_close(const std::vector<float>& expected, double atol, double rtol,
                       const grade::Diagnosis& diagnosis) const {
  grade::expect(expected.size() == values_.size(),
                "grader error: wrong reference size for " + name_);
  grade::expect_close(name_, shape_, data(), expected.data(), atol, rtol, diagnosis);
}

void Got::expect_written() const {
  for (size_t i = 0; i < values_.size(); ++i)
    if (!std::isfinite(values_[i]))
      throw Wrong(name_ + " " + ag::shape_str(shape_) + ": element " +
                  ag::index_str(static_cast<int64_t>(i), shape_) + " is " +
                  std::to_string(values_[i]) + (std::isnan(values_[i]) ? " (never written?)" : ""));
}

ag::Tensor got_tensor(const wire::Record& outputs, const std::string& name) {
  if (outputs.has(name + ".undefined"))
    throw Wrong(name + ": your function returned an undefined tensor");
  const wire::Floats& sent = outputs.floats(name);
  int64_t numel = 1;
  for (int64_t size : sent.shape) numel *= size;
  if (static_cast<int64_t>(sent.values.size()) != numel)
    throw wire::Malformed("'" + name + "' holds fewer values than its shape says");
  return ag::from_vector(sent.values, ag::Shape(sent.shape.begin(), sent.shape.end()));
}

uint64_t student_seed(const std::string& assignment, const std::string& student,
                      const std::string& salt) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a, 64 bits
  for (const std::string* part : {&assignment, &student, &salt}) {
    for (unsigned char c : *part) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull;  // a separator: ("ab", "c") != ("a", "bc")
  }
  return hash;
}

}  // namespace judge
