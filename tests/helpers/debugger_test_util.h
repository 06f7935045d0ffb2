// tests/helpers/debugger_test_util.h: what the gdb and lldb tests share.
//
// Tutorial 02 built once with -O0 -g (its step functions and lesson02
// unoptimized, the rest from this build's objects), the sessions a README
// shows (a fenced block starting "$ gdb" or "$ lldb"), and the line
// normalisation that lets a README's lines be compared with a debugger's.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/helpers/platform.h"
#include "tests/helpers/test_util.h"

namespace ag_test {

namespace fs = std::filesystem;

// A shell command's stdout and stderr.
inline std::string run_command(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return output;
  char chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) output.append(chunk, n);
  pclose(pipe);
  return output;
}

struct DebugProgram {
  fs::path repo, build, program;
  std::string skipped;  // why the debugger tests cannot run here, or empty
};

// Tutorial 02 with debug information, built once for every debugger test.
// Skipped (with the reason) in sanitizer builds, whose objects need the
// sanitizer runtime, in libc++ builds and in cross builds run under an emulator
// (make test-arm64: the host's g++ cannot link them).
inline const DebugProgram& debug_tutorial02() {
  static const DebugProgram paths = [] {
    DebugProgram p;
#if defined(__SANITIZE_ADDRESS__)
    p.skipped = "the sanitizer build (the release suite runs it)";
    return p;
#endif
    if (!platform::host_compiler_targets_this_program()) {
      p.skipped = std::string("this suite was compiled for ") + platform::compiled_for() +
                  " and the g++ here makes programs for another processor (a cross build, run "
                  "under an emulator): the debug program cannot be linked from its objects";
      return p;
    }
    p.build = platform::executable_path().parent_path();
    std::ifstream flags_file(p.build / "flags.txt");  // the flags this suite was built with
    std::stringstream flags;
    flags << flags_file.rdbuf();
    if (flags.str().find("-stdlib=libc++") != std::string::npos) {
      p.skipped = "a libc++ build: the debug program is linked by g++, with libstdc++";
      return p;
    }
    p.repo = p.build;
    while (!fs::exists(p.repo / "tutorials/gdb/attograd_gdb.py") && p.repo != p.repo.parent_path())
      p.repo = p.repo.parent_path();
    // The objects of tutorials/common from this build, except the two we recompile with -g.
    std::string objects;
    for (const auto& entry : fs::directory_iterator(p.build / "obj/tutorials/common")) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() == ".o" && name != "attention_steps.o" && name != "lesson02.o")
        objects += " '" + entry.path().string() + "'";
    }
    const fs::path dir = p.build / "gdb_tutorial02";
    fs::create_directories(dir);
    p.program = dir / "02_encoder_self_attention";
    // The three files compile in parallel (with ccache when there is one).
    const std::string cxx = run_command("command -v ccache").empty() ? "g++" : "ccache g++";
    std::string compile = "cd '" + p.repo.string() + "' && (";
    for (const char* source :
         {"tutorials/02_encoder_self_attention.cpp", "tutorials/common/attention_steps.cpp",
          "tutorials/common/lesson02.cpp"})
      compile += cxx + " -std=c++20 -O0 -g -march=native -I. -c " + source + " -o '" +
                 (dir / fs::path(source).filename()).replace_extension(".o").string() + "' & ";
    compile += "wait) && g++ '" + (dir / "02_encoder_self_attention.o").string() + "' '" +
               (dir / "attention_steps.o").string() + "' '" + (dir / "lesson02.o").string() + "'" +
               objects + " '" + (p.build / "libattograd.a").string() + "' -pthread -o '" +
               p.program.string() + "'";
    const std::string compiled = run_command(compile);
    if (!fs::exists(p.program)) p.skipped = "FAILED to build: " + compiled;
    return p;
  }();
  return paths;
}

// Addresses change from build to build; tabs and trailing blanks do not matter.
inline std::string normalised_line(std::string line) {
  std::string out;  // every "0x<hex digits>" becomes "0x?"
  for (size_t i = 0; i < line.size();) {
    if (line.compare(i, 2, "0x") == 0 && i + 2 < line.size() &&
        std::isxdigit(static_cast<unsigned char>(line[i + 2]))) {
      out += "0x?";
      for (i += 2; i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i]));) ++i;
    } else {
      out += line[i++];
    }
  }
  line = out;
  for (char& c : line)
    if (c == '\t') c = ' ';
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

// One session a README shows: "$ <debugger> ... program", then "(<debugger>) command"
// lines, each followed by the output lines the README promises.
struct ReadmeSession {
  std::string file, program;
  std::vector<std::string> commands, expected;
};

// Every fenced block of a README whose first line is "$ <debugger> ... program".
inline std::vector<ReadmeSession> readme_sessions(const fs::path& readme,
                                                  const std::string& debugger) {
  std::ifstream in(readme);
  std::vector<ReadmeSession> sessions;
  std::string line;
  const std::string start = "$ " + debugger + " ", prompt = "(" + debugger + ") ";
  bool in_block = false, in_session = false;
  while (std::getline(in, line)) {
    const size_t indent = line.find_first_not_of(' ');
    const std::string text = indent == std::string::npos ? "" : line.substr(indent);
    if (text.rfind("```", 0) == 0) {
      in_block = !in_block;
      in_session = false;
      continue;
    }
    if (!in_block) continue;
    if (text.rfind(start, 0) == 0) {
      in_session = true;
      sessions.push_back(
          {readme.filename().string(), text.substr(text.find_last_of(' ') + 1), {}, {}});
    } else if (in_session && text.rfind(prompt, 0) == 0) {
      sessions.back().commands.push_back(text.substr(prompt.size()));
    } else if (in_session && !text.empty()) {
      sessions.back().expected.push_back(normalised_line(text));
    }
  }
  return sessions;
}

// The README's lines must come in the README's order among the output's lines
// (compared without their indentation, which a README's code block loses).
inline void check_lines_in_order(const std::string& output,
                                 const std::vector<std::string>& expected) {
  std::vector<std::string> lines;
  std::istringstream stream(output);
  for (std::string line; std::getline(stream, line);) {  // a README's lines lose their indent
    line = normalised_line(line);
    lines.push_back(line.substr(std::min(line.size(), line.find_first_not_of(' '))));
  }
  size_t at = 0;
  for (const std::string& want : expected) {
    size_t found = at;
    while (found < lines.size() && lines[found] != want) ++found;
    CHECK_MESSAGE(found < lines.size(), "missing or out of order: " << want);
    if (found < lines.size()) at = found + 1;
  }
}

inline std::string four_decimals(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(v));
  return buf;
}

// "[a, b, c, d]" of one row of a (rows, C) tensor, as both debuggers' ag-print
// writes it (tutorials/debuggers/tensor_view.py).
inline std::string row_text(const ag::Tensor& t, int64_t row) {
  std::string s = "[";
  for (int64_t j = 0; j < t.size(1); ++j) s += (j ? ", " : "") + four_decimals(t.at({row, j}));
  return s + "]";
}

// The debug program, or nullptr with a message when a debugger's tests cannot
// run here: `unavailable` says why the debugger cannot ("" when it can), and
// debug_tutorial02() why the program cannot. A failed build is a failure, not a skip.
inline const DebugProgram* debug_tutorial02_or_skip(const std::string& unavailable) {
  if (!unavailable.empty()) {
    MESSAGE("skipped: " << unavailable);
    return nullptr;
  }
  const DebugProgram& p = debug_tutorial02();
  if (p.skipped.empty()) return &p;
  REQUIRE_MESSAGE(p.skipped.rfind("FAILED", 0) != 0, p.skipped);
  MESSAGE("skipped: " << p.skipped);
  return nullptr;
}

// A debugger's batch script beside the debug program: `commands`, one a line.
inline fs::path session_script(const DebugProgram& p, const std::string& name,
                               const std::vector<std::string>& commands) {
  const fs::path script = p.program.parent_path() / name;
  std::string text;
  for (const std::string& c : commands) text += c + "\n";
  std::ofstream(script) << text;
  return script;
}

}  // namespace ag_test
