// tests/house/test_platform.cpp: what keeps the build portable to a student's
// laptop (README.md, "Platforms"): the helper that replaces Linux's process
// files in the tests, the Makefile's probes (doctest's header, -march or
// -mcpu, libc++), the README's platform commands (the arm64 cross build and
// its qemu run among them). test_portable_sources.cpp reads the makefiles
// and the sources for what macOS lacks.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/io/atomic_file.h"
#include "tests/helpers/house_test_util.h"
#include "tests/helpers/platform.h"

namespace fs = std::filesystem;
namespace platform = ag_test::platform;

namespace {

using house_test::repo_root;
using house_test::Run;
using house_test::run_shell;
Run make(const std::string& args) { return house_test::run_make(args); }

// A folder of its own under the temporary directory, removed afterwards.
struct TempDir {
  fs::path dir;
  explicit TempDir(const std::string& name)
      : dir(fs::temp_directory_path() /
            ("ag_platform_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
};

// A stand-in compiler: says `version` to --version, refuses any argument in
// `refused`, and otherwise succeeds without compiling anything.
fs::path fake_compiler(const fs::path& dir, const std::string& version,
                       const std::string& refused) {
  const fs::path script = dir / "fake-c++";
  ag::io::write_file_atomic(script.string(),
                            "#!/bin/sh\n"
                            "for a in \"$@\"; do\n"
                            "  [ \"$a\" = --version ] && { echo '" +
                                version +
                                "'; exit 0; }\n"
                                "  [ \"$a\" = '" +
                                refused +
                                "' ] && exit 1\n"
                                "done\n"
                                "exit 0\n");
  ::chmod(script.c_str(), 0755);
  return script;
}

}  // namespace

TEST_SUITE("house.platform") {

TEST_CASE("platform.h: this program's path, and a peak that grows by the memory a test touches") {
  const fs::path self = platform::executable_path();
  REQUIRE(!self.empty());
  CHECK(self.is_absolute());
  CHECK(fs::is_regular_file(self));
  CHECK(self.filename() == "tests");
  CHECK(fs::exists(self.parent_path() / "flags.txt"));  // the build folder mk/flags.mk writes
  const int64_t now = platform::current_resident_bytes();
  CHECK(now > 1024 * 1024);  // the suite holds more than a megabyte
  CHECK(platform::peak_resident_bytes() >= now);
  if (!platform::reset_peak()) {
    MESSAGE("skipped: this system cannot reset the peak resident size");
    return;
  }
  const int64_t start = platform::current_resident_bytes();
  CHECK(platform::peak_resident_bytes() - start < 8 * 1024 * 1024);  // reset: near the current size
  {
    // 64 MB written page by page, so every page is really resident, then freed.
    constexpr size_t kBytes = 64u << 20;
    std::unique_ptr<char[]> block(new char[kBytes]);
    for (size_t i = 0; i < kBytes; i += 4096) block[i] = char(i);
    volatile char sink = block[kBytes - 4096];
    (void)sink;
  }
  const double grown_mb = double(platform::peak_resident_bytes() - start) / (1 << 20);
  CHECK(grown_mb >= 63.0);
  CHECK(grown_mb < 80.0);
}

TEST_CASE("platform.h: this program can start itself by its path, unless an emulator runs it") {
  // The skips of make test-arm64 (graders, runners, tutorials) hang on this
  // answer: it must be "" wherever the host's compiler makes this program's
  // kind (natively, as make test runs), and name the exec's error otherwise.
  const std::string& why = platform::cannot_start_own_programs();
  CHECK(&why == &platform::cannot_start_own_programs());  // asked once
  if (platform::host_compiler_targets_this_program()) {
    CHECK(why == "");
  } else if (!why.empty()) {
    MESSAGE("this suite cannot start its own programs: " << why);
    CHECK(why.find("starting " + platform::executable_path().string() +
                   " gives \"Exec format error\": this host's kernel cannot run a " +
                   platform::compiled_for() + " program") == 0);
  }
}

TEST_CASE("make doctest: when the compiler finds no doctest, the install command of the system") {
  // (Where it is found, as here, `make test` goes on: this suite was built.)
  // A compiler that finds nothing, on a Mac and on Debian without root.
  const std::string nowhere = "-s doctest CXX=false USER_ID=1000 ";
  const Run mac = make(nowhere + "UNAME_S=Darwin");
  CHECK(mac.status != 0);
  CHECK(mac.output.rfind("doctest is missing. Install it with:  brew install doctest\n", 0) == 0);
  const Run debian = make(nowhere + "UNAME_S=Linux");
  CHECK(debian.status != 0);
  CHECK(debian.output.rfind(
            "doctest is missing. Install it with:  sudo apt-get install -y doctest-dev\n", 0) == 0);
}

TEST_CASE("-march=native, or -mcpu=native where the compiler refuses it; asked once, kept") {
  const TempDir dir("native");
  const fs::path cxx = fake_compiler(dir.dir, "fakeclang version 1 (arm64)", "-march=native");
  const std::string build = (dir.dir / "build").string(), object = build + "/obj/core/tensor.o";
  const Run plan = make("-n BUILD=" + build + " CXX=" + cxx.string() + " " + object);
  INFO(plan.output);
  CHECK(plan.output.find(" -mcpu=native ") != std::string::npos);
  CHECK(plan.output.find("-march=native") == std::string::npos);
  CHECK(plan.output.find("-Wno-maybe-uninitialized") == std::string::npos);  // a clang: none
  const std::string cache = ag::io::read_file(build + "/native_flag.txt");
  CHECK(cache == "fakeclang version 1 (arm64)\n-mcpu=native\n");
  // The answer is kept: a compiler that now refuses both is not asked again.
  const fs::path stubborn = fake_compiler(dir.dir, "fakeclang version 1 (arm64)", "-mcpu=native");
  CHECK(make("-n BUILD=" + build + " CXX=" + stubborn.string() + " " + object)
            .output.find(" -mcpu=native ") != std::string::npos);
}

TEST_CASE("STDLIB=libc++ is clang's: with g++ make says so and builds nothing") {
  const Run gxx = make("-n STDLIB=libc++ build/obj/core/tensor.o");
  CHECK(gxx.status != 0);
  CHECK(gxx.output.find("STDLIB=libc++ needs clang: make CXX=clang++ STDLIB=libc++ ...") !=
        std::string::npos);
  CHECK(gxx.output.find(" -c ") == std::string::npos);
}

// The commands of README.md's "Platforms" section (its ```sh blocks), one a line.
std::vector<std::string> platform_commands() {
  const std::string readme = ag::io::read_file((repo_root() / "README.md").string());
  const size_t from = readme.find("\n## Platforms");
  const size_t to = readme.find("\n## ", from + 1);
  REQUIRE(from != std::string::npos);
  std::istringstream section(readme.substr(from, to - from));
  std::vector<std::string> commands;
  bool in_block = false;
  for (std::string line; std::getline(section, line);) {
    if (line.rfind("```", 0) == 0) {
      in_block = line == "```sh";
      continue;
    }
    if (in_block && !line.empty()) commands.push_back(line);
  }
  return commands;
}

// What `plan` (make -n -B of a README command) must show: the arm64 cross
// build and its qemu run, the libc++ build in its own folder, or the suite.
void check_plan(const std::string& command, const std::string& plan) {
  if (command.find("test-arm64") != std::string::npos) {
    CHECK(plan.find("aarch64-linux-gnu-g++") != std::string::npos);
    CHECK(plan.find("-o build/arm64/obj/core/kernels/gemm.o") != std::string::npos);
    CHECK(plan.find("-march=native") == std::string::npos);
    CHECK(plan.find("-mcpu=native") == std::string::npos);
    // The whole suite, or CI's share: its own program, the library and the
    // kernels' tests compiled, none of the graders' or the tutorials' files.
    const bool ci = command.find("test-arm64-ci") != std::string::npos;
    std::string run = "qemu-aarch64 -L /usr/aarch64-linux-gnu ./build/arm64/tests";
    if (ci) {
      run += "-ci";
      CHECK(plan.find("-o build/arm64/obj/tests/kernels/test_gemm_tile.o") != std::string::npos);
      CHECK(plan.find("-o build/arm64/obj/tests/core/test_autograd.o") != std::string::npos);
      CHECK(plan.find("-o build/arm64/tests-ci") != std::string::npos);
      CHECK(plan.find("graders/") == std::string::npos);
      CHECK(plan.find("tests/exercises/") == std::string::npos);
    } else {
      CHECK(plan.find("-o build/arm64/tutorials/02_encoder_self_attention") != std::string::npos);
    }
    const size_t suites = command.find("ARM64_SUITES=\"");
    if (suites != std::string::npos)
      run += " -ts=\"" + command.substr(suites + 14, command.find('"', suites + 14) - suites - 14);
    CHECK(plan.find(run) != std::string::npos);
    CHECK(plan.find("-tce=") == std::string::npos);  // no case left out by name: they skip
  } else if (command.find("STDLIB=libc++") != std::string::npos) {
    CHECK(plan.find(" -std=c++20 -stdlib=libc++ ") != std::string::npos);
    CHECK(plan.find("-o build/clang-libc++/obj/core/kernels/gemm.o") != std::string::npos);
    CHECK(plan.find("libattograd.a -stdlib=libc++ -pthread  -o build/clang-libc++/tests") !=
          std::string::npos);  // linked with it too
    CHECK(plan.find(" build/obj/") == std::string::npos);
    CHECK(plan.find("-Wno-maybe-uninitialized") == std::string::npos);  // g++'s only
    CHECK(plan.find("./build/clang-libc++/tests") != std::string::npos);
  } else if (command == "make check-not-linux") {
    // Each fenced file, compiled with the Linux macros undefined, warnings as errors.
    CHECK(plan.find("-fsyntax-only -Werror") != std::string::npos);
    CHECK(plan.find("-U__linux__ -U__linux -Ulinux -U__gnu_linux__") != std::string::npos);
    for (const char* file : {"tutorials/exercises/sandbox/start_child.cpp",
                             "tutorials/exercises/sandbox/confine_runner.cpp",
                             "tests/helpers/platform.cpp", "tests/exercises/sandbox_probe.cpp"})
      CHECK(plan.find(file) != std::string::npos);
  } else {
    CHECK(plan.find("./build/tests") != std::string::npos);
  }
}

TEST_CASE("README.md's Platforms section: each command it shows is dry-run or checked here") {
  // make lines: make -n -B prints every command they would run (the builds are
  // minutes long: `make test` runs this suite, the others are run by hand and
  // in CI); apt-get lines: every package must exist in the Debian archive.
  const std::vector<std::string> commands = platform_commands();
  CHECK(commands.size() >= 5);
  for (const std::string& command : commands) {
    INFO(command);
    if (command.rfind("make ", 0) == 0) {
      const Run plan = make("-n -B " + command.substr(5));
      INFO(plan.output.substr(0, 3000));
      CHECK(plan.status == 0);
      check_plan(command, plan.output);
    } else if (command.rfind("sudo apt-get install -y ", 0) == 0) {
      // One apt-cache call for them all (each reads the whole package cache).
      const Run shown = run_shell("apt-cache show --no-all-versions " + command.substr(24));
      CHECK(shown.status == 0);
      std::istringstream packages(command.substr(24));
      for (std::string package; packages >> package;) {
        INFO(package);
        CHECK(("\n" + shown.output).find("\nPackage: " + package + "\n") != std::string::npos);
      }
    } else {
      CHECK(command == "sudo apt-get update");  // the one other line: nothing to check offline
    }
  }
}

}  // TEST_SUITE("house.platform")
