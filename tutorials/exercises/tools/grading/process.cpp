// tutorials/exercises/tools/grading/process.cpp: see process.h.
#include "tutorials/exercises/tools/grading/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <sstream>

namespace grading {

namespace {

constexpr size_t kMaxOutput = 256 * 1024;  // a compiler's wall of template errors is cut here

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Finished run_command(const std::vector<std::string>& argv, double wall_seconds,
                     const std::string& dir) {
  Finished done;
  if (argv.empty()) return done;
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls (the tool has threads: two hand-ins at a time).
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) return done;
  fcntl(out[0], F_SETFD, FD_CLOEXEC);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    return done;
  }
  if (pid == 0) {
    setpgid(0, 0);  // its own group: the limit kills the compiler's children too
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    close(out[1]);
    if (!dir.empty() && chdir(dir.c_str()) != 0) _exit(126);
    execvp(args[0], args.data());
    _exit(127);
  }
  setpgid(pid, pid);  // both sides set it: no race with the kill below
  close(out[1]);
  // Read until every writer closed the pipe, or the limit.
  char chunk[4096];
  for (;;) {
    const double left = wall_seconds - since(start);
    if (left <= 0) {
      done.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    pollfd ready{out[0], POLLIN, 0};
    const int waited = poll(&ready, 1, static_cast<int>(left * 1000) + 1);
    if (waited == 0) continue;  // the loop's head sees the limit
    if (waited < 0) continue;   // interrupted: try again
    const ssize_t n = read(out[0], chunk, sizeof chunk);
    if (n <= 0) break;
    if (done.output.size() < kMaxOutput) done.output.append(chunk, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  kill(-pid, SIGKILL);  // anything of its group still alive (a daemonised helper)
  done.seconds = since(start);
  done.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return done;
}

std::vector<std::string> words(const std::string& list) {
  std::istringstream in(list);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

std::string first_lines(const std::string& text, int count, const std::string& indent) {
  std::istringstream in(text);
  std::string out;
  int taken = 0;
  for (std::string line; taken < count && std::getline(in, line); ++taken)
    out += indent + line + "\n";
  return out;
}

}  // namespace grading
