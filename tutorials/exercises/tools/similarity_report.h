// tutorials/exercises/tools/similarity_report.h: scoring the pairs of a class, and the report.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tutorials/exercises/tools/similarity_fingerprint.h"

namespace similarity {

struct SourceFile {
  std::string label;               // "alice.cpp", or "alice/core/autograd.cpp" in a folder
  std::vector<std::string> lines;  // the text, for the side-by-side view
  std::vector<Token> tokens;
  std::vector<Fingerprint> prints;
};

struct HandIn {
  std::string name;
  std::vector<SourceFile> files;
};

struct Options {
  Settings settings;
  int top = 3;                     // pairs shown line by line
  int listed = 50;                 // pairs listed at most
  std::set<uint64_t> base_hashes;  // the skeleton's fingerprints: never counted
  std::string dir;                 // for the header
  std::vector<std::string> bases;
  std::vector<std::string> not_read;  // entries of the folder with no C++ in them
};

// The whole report, as text (similarity.cpp prints or writes it).
std::string write_report(const std::vector<HandIn>& hand_ins, const Options& options);

}  // namespace similarity
