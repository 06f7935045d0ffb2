// tutorials/exercises/tools/grading/gradebook.cpp: see gradebook.h.
#include "tutorials/exercises/tools/grading/gradebook.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace grading {

namespace {

void sort_rows(std::vector<Row>& rows) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.file < b.file; });
}

// Every check's name, in the order the judge ran them (the first row that ran
// says it), then any a later row adds (hidden checks named per student).
std::vector<std::string> check_names(const std::vector<Row>& rows) {
  std::vector<std::string> names;
  for (const Row& row : rows)
    for (const CheckResult& check : row.checks)
      if (!check.hidden && std::find(names.begin(), names.end(), check.name) == names.end())
        names.push_back(check.name);
  return names;
}

const CheckResult* find_check(const Row& row, const std::string& name) {
  for (const CheckResult& check : row.checks)
    if (!check.hidden && check.name == name) return &check;
  return nullptr;
}

// The hidden checks' points together (their names and inputs differ per
// student, so they share one column), or -1 when the row ran none.
int hidden_points(const Row& row) {
  int points = -1;
  for (const CheckResult& check : row.checks)
    if (check.hidden) points = std::max(points, 0) + check.got;
  return points;
}

}  // namespace

void write_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("grade-all: cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    throw std::runtime_error("grade-all: cannot rename " + temporary + " to " + path);
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
  return quoted + "\"";
}

std::string grades_csv(std::vector<Row> rows) {
  sort_rows(rows);
  const std::vector<std::string> names = check_names(rows);
  std::ostringstream out;
  out << "file,score";
  for (const std::string& name : names) out << "," << csv_field(name);
  bool suite = false, hidden = false;  // columns only where some row has them
  for (const Row& row : rows) {
    suite = suite || !row.suite.empty();
    hidden = hidden || hidden_points(row) >= 0;
  }
  out << (hidden ? ",hidden checks" : "") << (suite ? ",suite tests" : "") << ",reason\n";
  for (const Row& row : rows) {
    out << csv_field(row.file) << "," << row.score;
    for (const std::string& name : names) {
      const CheckResult* check = find_check(row, name);
      out << "," << (check ? check->got : 0);
    }
    if (hidden) out << "," << std::max(hidden_points(row), 0);
    if (suite) out << "," << (row.suite.empty() ? "-" : row.suite);
    out << "," << csv_field(row.reason) << "\n";
  }
  return out.str();
}

std::string summary_md(const std::string& assignment, std::vector<Row> rows) {
  sort_rows(rows);
  const std::vector<std::string> names = check_names(rows);
  std::ostringstream out;
  out << "# " << assignment << ": " << rows.size() << " hand-ins\n\n";
  out << "## Checks\n\n| check | points | passed | of |\n|---|---|---|---|\n";
  for (const std::string& name : names) {
    int passed = 0, max = 0;
    for (const Row& row : rows) {
      const CheckResult* check = find_check(row, name);
      if (check && check->max > 0 && check->got == check->max) ++passed;
      if (check) max = std::max(max, check->max);
    }
    out << "| " << name << " | " << max << " | " << passed << " | " << rows.size() << " |\n";
  }
  int full_hidden = 0, ran_hidden = 0;  // the hidden checks, as one: all passed?
  for (const Row& row : rows) {
    bool ran = false, all = true;
    for (const CheckResult& check : row.checks)
      if (check.hidden) ran = true, all = all && check.got == check.max;
    ran_hidden += ran;
    full_hidden += ran && all;
  }
  if (ran_hidden > 0)
    out << "| hidden checks (all of them) | 100 | " << full_hidden << " | " << rows.size()
        << " |\n";
  // Scores in ten bins of 10 points, 100 alone at the top.
  int bins[11] = {};
  for (const Row& row : rows) ++bins[std::clamp(row.score, 0, 100) / 10];
  out << "\n## Scores\n\n```\n";
  for (int bin = 0; bin <= 10; ++bin) {
    char label[16];
    std::snprintf(label, sizeof label, bin == 10 ? "    100" : "%3d-%3d", bin * 10, bin * 10 + 9);
    out << label << " | " << std::string(static_cast<size_t>(bins[bin]), '#') << " " << bins[bin]
        << "\n";
  }
  out << "```\n\n## Reasons\n\n";
  std::map<std::string, int> reasons;
  for (const Row& row : rows) ++reasons[row.reason.empty() ? "(full marks)" : row.reason];
  for (const auto& [reason, count] : reasons) out << "- " << reason << ": " << count << "\n";
  return out.str();
}

std::string timings_csv(std::vector<Row> rows) {
  sort_rows(rows);
  std::ostringstream out;
  out << "file,seconds,peak bytes\n";
  for (const Row& row : rows) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", row.seconds);
    out << csv_field(row.file) << "," << seconds << "," << row.peak_bytes << "\n";
  }
  return out.str();
}

}  // namespace grading
