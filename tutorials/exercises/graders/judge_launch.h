// tutorials/exercises/graders/judge_launch.h: TEMPORARY stand-in for sandbox::run
// (tutorials/exercises/sandbox/, engineer g1's branch), used until it is merged:
// an unconfined fork/exec with the same interface, a wall-clock limit, and
// the result channel on fd 3. Removed when the sandbox arrives.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sandbox {

struct Limits {
  double wall_seconds = 5;
  double cpu_seconds = 5;
  uint64_t memory_bytes = 2ull << 30;
};

struct Result {
  bool ok = false;
  int exit_status = -1;
  int signal = 0;
  std::string breach, output, log;
  double seconds = 0;
  uint64_t peak_bytes = 0;
};

inline Result run(const std::vector<std::string>& argv, const std::string& input,
                  const Limits& limits) {
  const auto start = std::chrono::steady_clock::now();
  int in[2], out[2], log[2];
  if (pipe(in) || pipe(out) || pipe(log)) throw std::runtime_error("no pipes");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("no fork");
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in[0], 0);
    dup2(log[1], 1);
    dup2(log[1], 2);
    dup2(out[1], 3);
    for (int fd = 4; fd < 64; ++fd) close(fd);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(log[1]);
  Result r;
  size_t sent = 0;
  int fds[3] = {in[1], out[0], log[0]};
  std::string* sinks[3] = {nullptr, &r.output, &r.log};
  bool timed_out = false;
  for (;;) {
    pollfd polls[3];
    int n = 0;
    for (int k = 0; k < 3; ++k)
      if (fds[k] >= 0) polls[n++] = {fds[k], static_cast<short>(k == 0 ? POLLOUT : POLLIN), 0};
    if (n == 0) break;
    const double left = limits.wall_seconds - std::chrono::duration<double>(
                                                  std::chrono::steady_clock::now() - start)
                                                  .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    if (poll(polls, n, static_cast<int>(left * 1000) + 1) <= 0) continue;
    for (int p = 0; p < n; ++p) {
      if (!polls[p].revents) continue;
      const int k = polls[p].fd == fds[0] ? 0 : polls[p].fd == fds[1] ? 1 : 2;
      if (k == 0) {
        const ssize_t w = write(fds[0], input.data() + sent, input.size() - sent);
        if (w > 0) sent += static_cast<size_t>(w);
        if (w <= 0 || sent == input.size()) close(fds[0]), fds[0] = -1;
      } else {
        char chunk[65536];
        const ssize_t got = read(fds[k], chunk, sizeof chunk);
        if (got > 0) sinks[k]->append(chunk, static_cast<size_t>(got));
        else close(fds[k]), fds[k] = -1;
      }
    }
  }
  if (timed_out) kill(-pid, SIGKILL);
  for (int fd : fds)
    if (fd >= 0) close(fd);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.peak_bytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  if (timed_out) r.breach = "stopped after " + std::to_string(int(limits.wall_seconds)) + " s";
  if (WIFEXITED(status)) r.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status) && !timed_out) r.signal = WTERMSIG(status);
  r.ok = r.breach.empty() && r.signal == 0 && r.exit_status == 0;
  return r;
}

}  // namespace sandbox
