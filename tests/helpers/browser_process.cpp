// tests/helpers/browser_process.cpp: starting and stopping Chromium for
// tests/helpers/browser.h (the protocol itself is in browser.cpp).
//
// Chromium runs in its own process group with the DevTools pipe on its fds 3
// (commands in) and 4 (answers out), its stdout and stderr in the temporary
// profile's stderr.log (quoted when it fails). It dies with the test program
// (PR_SET_PDEATHSIG), and shut_down kills the whole group and deletes the
// profile, so neither a failed test nor a killed run leaves a browser behind.
#include "tests/helpers/browser.h"

#include <fcntl.h>
#ifdef __linux__
#include <sys/prctl.h>  // PR_SET_PDEATHSIG: Linux only (elsewhere shut_down stops it)
#endif
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <thread>

#include "core/io/atomic_file.h"
#include "tests/helpers/platform.h"

namespace ag::test {
namespace {

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

std::string last_lines(const std::string& path, int count) {
  std::string text;
  try {
    text = io::read_file(path);
  } catch (const std::exception&) {
    return "";
  }
  size_t start = text.size();
  for (int n = 0; n <= count && start > 0;)
    if (text[--start] == '\n') ++n;
  return text.substr(start);
}

std::string string_of(const io::JsonValue& object, std::string_view key) {
  const io::JsonValue* found = object.find(key);
  return found ? found->string : "";
}

}  // namespace

std::string find_chromium() {
  if (const char* chosen = std::getenv("AG_CHROMIUM"))
    return ::access(chosen, X_OK) == 0 ? chosen : "";
  const char* path = std::getenv("PATH");
  std::stringstream folders(path ? path : "/usr/bin:/bin");
  for (std::string folder; std::getline(folders, folder, ':');) {
    const std::string candidate = folder + "/chromium";
    if (!folder.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string browser_unavailable_reason() {
  if (!find_chromium().empty()) return "";
  if (const char* chosen = std::getenv("AG_CHROMIUM"))
    return "AG_CHROMIUM=" + std::string(chosen) + " is not an executable file";
  return "Chromium is not installed, so the browser tests cannot run. Install it with:  "
         "sudo apt-get install -y chromium   (as root, `make chromium` does it)";
}

Browser::Browser(double timeout_seconds) : timeout_(timeout_seconds) {
  const std::string binary = find_chromium();
  if (binary.empty()) throw BrowserError(browser_unavailable_reason());
  // A write to a pipe whose reader died raises SIGPIPE, which would end the
  // whole test program; ignored, the write fails with EPIPE and we say so.
  std::signal(SIGPIPE, SIG_IGN);

  char pattern[] = "/tmp/attograd_chromium_XXXXXX";
  if (!::mkdtemp(pattern)) throw BrowserError("browser: cannot create a temporary profile");
  profile_dir_ = pattern;
  const std::string log_path = profile_dir_ + "/stderr.log";
  // --no-sandbox: Chromium refuses to run as root with its sandbox (CI runs
  // as root), and the pages are our own files. The networking flags stop its
  // background connections, which this machine's closed network refuses.
  std::vector<std::string> args = {binary,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--no-default-browser-check",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--disable-extensions",
                                   "--disable-breakpad",
                                   "--disable-crash-reporter",
                                   "--disable-dev-shm-usage",
                                   "--hide-scrollbars",
                                   "--mute-audio",
                                   "--window-size=1280,900",
                                   "--user-data-dir=" + profile_dir_,
                                   "--remote-debugging-pipe",
                                   "about:blank"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int to_child[2], from_child[2];
  if (!ag_test::platform::make_cloexec_pipe(to_child) ||
      !ag_test::platform::make_cloexec_pipe(from_child))
    throw BrowserError("browser: cannot create the DevTools pipes");
  pid_ = ::fork();
  if (pid_ < 0) throw BrowserError("browser: cannot fork");
  if (pid_ == 0) {
    // The child: only async-signal-safe calls until exec. Its own process
    // group, so the parent can kill Chromium and every helper it forks at
    // once; and it dies with the test program even if that is killed -9.
    ::setpgid(0, 0);
#ifdef __linux__
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    const int commands = ::fcntl(to_child[0], F_DUPFD, 10);
    const int answers = ::fcntl(from_child[1], F_DUPFD, 10);
    ::dup2(commands, 3);  // dup2 clears close-on-exec on the new descriptor
    ::dup2(answers, 4);
    const int null_in = ::open("/dev/null", O_RDONLY);
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(null_in, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);  // also here: whichever runs first
  ::close(to_child[0]);
  ::close(from_child[1]);
  to_browser_ = to_child[1];
  from_browser_ = from_child[0];

  try {
    const io::JsonValue target =
        call("Target.createTarget", R"({"url":"about:blank"})", /*to_page=*/false);
    const io::JsonValue attached =
        call("Target.attachToTarget",
             R"({"targetId":")" + string_of(target, "targetId") + R"(","flatten":true})", false);
    session_id_ = string_of(attached, "sessionId");
    for (const char* domain : {"Page", "Runtime", "Log", "Network"})
      call(std::string(domain) + ".enable", "{}");
  } catch (...) {
    shut_down();
    throw;
  }
}

Browser::~Browser() { shut_down(); }

void Browser::shut_down() {
  if (pid_ > 0) {
    // Politely first (Chromium flushes its profile), then the whole group.
    const std::string close = R"({"id":0,"method":"Browser.close"})";
    if (to_browser_ >= 0) (void)!::write(to_browser_, close.c_str(), close.size() + 1);
    const double deadline = now_seconds() + (answered_ ? 1.0 : 0.0);  // a silent one: at once
    int status = 0;
    bool exited = false;
    while (!exited && now_seconds() < deadline) {
      exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-pid_, SIGKILL);  // helpers (renderer, zygote) left in the group
    if (!exited) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
  to_browser_ = from_browser_ = -1;
  if (!profile_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(profile_dir_, ignored);
    profile_dir_.clear();
  }
}

void Browser::fail(const std::string& what, double wait_for_exit) {
  std::string message = "browser: " + what;
  int status = 0;
  bool exited = false;
  // A closed pipe means Chromium is exiting: give it a moment, to say how it ended.
  for (const double until = now_seconds() + wait_for_exit; pid_ > 0 && !exited;) {
    exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
    if (exited || now_seconds() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (exited) {
    message += WIFEXITED(status)
                   ? "; chromium exited with status " + std::to_string(WEXITSTATUS(status))
                   : "; chromium was killed by signal " + std::to_string(WTERMSIG(status));
    pid_ = -1;
  }
  const std::string log = last_lines(profile_dir_ + "/stderr.log", 8);
  if (!log.empty()) message += "\nchromium's last lines:\n" + log;
  throw BrowserError(message);
}

std::string checkout_root() {
  std::filesystem::path dir = ag_test::platform::executable_path();
  while (!dir.empty() && dir != dir.parent_path() &&
         !(std::filesystem::exists(dir / "Makefile") && std::filesystem::exists(dir / "core")))
    dir = dir.parent_path();
  return dir.string();
}

Browser& shared_browser() {
  static std::unique_ptr<Browser> browser;
  static std::string failure;  // a failed start is not retried by every test
  if (!browser) {
    if (!failure.empty()) throw BrowserError(failure);
    try {
      browser = std::make_unique<Browser>();
    } catch (const BrowserError& e) {
      failure = e.what();
      throw;
    }
  }
  return *browser;
}

}  // namespace ag::test
