// tutorials/exercises/tools/similarity.cpp: which hand-ins of a class share code, and where.
//
//   build/exercises/similarity [--base skeleton.cpp]... [--out FILE] [--top N] [-k K] [-w W] DIR
//   make similarity DIR=folder [OUT=file] [BASE=skeleton.cpp]
//
// DIR holds one hand-in per entry: a C++ file (a function assignment), a
// folder (a framework hand-in: all its .cpp/.h files, in path order) or a
// .patch (a framework hand-in as a diff: the lines it adds). Each
// hand-in is fingerprinted as MOSS does (similarity_fingerprint.h: tokens with
// the names normalised, k-grams, winnowing); what a --base file has (the
// skeleton every student started from) is not counted, as MOSS's -b. Every
// pair is scored by the fingerprints it shares, as a part of each hand-in;
// for the top pairs the shared lines are printed side by side.
// The report informs a teacher's reading; it decides nothing, and says so.
// It is the same byte for byte on a rerun: sorted input, no time, no addresses.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tutorials/exercises/tools/similarity_fingerprint.h"
#include "tutorials/exercises/tools/similarity_report.h"

namespace fs = std::filesystem;
using namespace similarity;

namespace {

bool is_source(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".cpp" || ext == ".cc" || ext == ".cxx" || ext == ".h" || ext == ".hpp";
}

// A framework hand-in may come as a patch against the hand-out: its code is
// the lines it adds.
bool is_patch(const fs::path& p) { return p.extension() == ".patch" || p.extension() == ".diff"; }

std::string added_lines(const std::string& patch) {
  std::istringstream lines(patch);
  std::string code;
  for (std::string line; std::getline(lines, line);)
    if (line.size() >= 1 && line[0] == '+' && line.rfind("+++", 0) != 0)
      code += line.substr(1) + "\n";
  return code;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

SourceFile load_file(const fs::path& path, const std::string& label, const Settings& settings) {
  SourceFile file;
  file.label = label;
  const std::string text = is_patch(path) ? added_lines(read_text(path)) : read_text(path);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) file.lines.push_back(line);
  file.tokens = tokenize(text);
  file.prints = fingerprints(file.tokens, settings);
  return file;
}

// The hand-ins of DIR, in name order; `skip` (the base files) left out.
std::vector<HandIn> load_class(const fs::path& dir, const std::set<fs::path>& skip,
                               const Settings& settings, std::vector<std::string>& not_read) {
  std::vector<fs::path> entries;
  for (const fs::directory_entry& e : fs::directory_iterator(dir))
    if (e.path().filename().string()[0] != '.') entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  std::vector<HandIn> hand_ins;
  for (const fs::path& entry : entries) {
    if (skip.count(fs::weakly_canonical(entry))) continue;
    HandIn hand_in;
    hand_in.name = entry.filename().string();
    if (fs::is_directory(entry)) {
      std::vector<fs::path> files;
      for (const fs::directory_entry& e : fs::recursive_directory_iterator(entry))
        if (e.is_regular_file() && is_source(e.path())) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files)
        hand_in.files.push_back(
            load_file(f, hand_in.name + "/" + fs::relative(f, entry).generic_string(), settings));
    } else if (is_source(entry) || is_patch(entry)) {  // a patch's lines: the lines it adds
      hand_in.files.push_back(load_file(entry, hand_in.name, settings));
    }
    if (!hand_in.files.empty())
      hand_ins.push_back(std::move(hand_in));
    else
      not_read.push_back(entry.filename().string());  // said in the report: nothing is hidden
  }
  return hand_ins;
}

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "similarity: " << problem << "\n"
            << "usage: similarity [--base FILE]... [--out FILE] [--top N] [-k K] [-w W] DIR\n";
  std::exit(2);
}

int number_after(int& i, int argc, char** argv) {
  if (i + 1 >= argc) usage(std::string(argv[i]) + " needs a number");
  const int value = std::atoi(argv[++i]);
  if (value <= 0) usage(std::string(argv[i - 1]) + " needs a number above 0");
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::vector<std::string> bases;
  std::string dir, out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--base" && i + 1 < argc)
      bases.push_back(argv[++i]);
    else if (arg == "--out" && i + 1 < argc)
      out = argv[++i];
    else if (arg == "--top")
      options.top = number_after(i, argc, argv);
    else if (arg == "-k")
      options.settings.k = number_after(i, argc, argv);
    else if (arg == "-w")
      options.settings.w = number_after(i, argc, argv);
    else if (!arg.empty() && arg[0] == '-')
      usage("unknown option " + arg);
    else if (dir.empty())
      dir = arg;
    else
      usage("one folder only (got " + dir + " and " + arg + ")");
  }
  if (dir.empty()) usage("no folder of hand-ins");
  if (!fs::is_directory(dir)) usage(dir + " is not a folder");

  std::set<fs::path> skip;
  for (const std::string& base : bases) {
    if (!fs::is_regular_file(base)) usage("--base " + base + ": no such file");
    skip.insert(fs::weakly_canonical(base));
    for (const Fingerprint& f : load_file(base, base, options.settings).prints)
      options.base_hashes.insert(f.hash);
  }
  options.dir = dir;
  options.bases = bases;
  const std::vector<HandIn> hand_ins = load_class(dir, skip, options.settings, options.not_read);
  const std::string report = write_report(hand_ins, options);
  if (out.empty()) {
    std::cout << report;
    return 0;
  }
  // Atomically: a reader never sees half a report.
  const std::string temp = out + ".tmp";
  std::ofstream(temp, std::ios::binary) << report;
  std::error_code error;
  fs::rename(temp, out, error);
  if (error) {
    std::cerr << "similarity: cannot write " << out << ": " << error.message() << "\n";
    return 1;
  }
  std::cout << "similarity report: " << out << "\n";
  return 0;
}
