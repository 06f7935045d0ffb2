// tutorials/exercises/sandbox/supervise.cpp: the launcher's loop, from exec to the child's end.
//
// One poll() over everything that can make progress: stdin (room to write the
// input), fd 3, the log and fd 4 (bytes to read), and the child itself (a
// pidfd: readable when it exits). Nothing is ever read or written blocking,
// so no order in which the child reads and writes can deadlock us. The loop
// ends when the child has exited and its pipes are at EOF, or at the wall
// clock, which kills the child's whole process group.
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>  // pidfd_open
#endif

#include <cerrno>
#include <chrono>
#include <csignal>

#include "tutorials/exercises/sandbox/launch_detail.h"

namespace sandbox::detail {

namespace {

using Clock = std::chrono::steady_clock;

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Reads what is there; closes fd at EOF. Keeps at most `keep` bytes in `into`
// (the rest is counted in `dropped`).
void drain(int& fd, std::string& into, size_t keep, uint64_t& dropped) {
  char buffer[65536];
  while (fd >= 0) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      const size_t room = into.size() < keep ? keep - into.size() : 0;
      const size_t taken = size_t(n) < room ? size_t(n) : room;
      into.append(buffer, taken);
      dropped += uint64_t(n) - taken;
    } else if (n == 0) {
      close_fd(fd);
    } else if (errno != EINTR) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) close_fd(fd);
      return;
    }
  }
}

// Writes as much of the input as the pipe takes; closes stdin when all is
// sent or the child closed its end (EPIPE: SIGPIPE is blocked, see below).
void feed(int& fd, Streams& streams) {
  while (fd >= 0 && streams.input_sent < streams.input.size()) {
    const ssize_t n = write(fd, streams.input.data() + streams.input_sent,
                            streams.input.size() - streams.input_sent);
    if (n > 0)
      streams.input_sent += size_t(n);
    else if (n < 0 && errno == EINTR)
      continue;
    else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    else
      close_fd(fd);
  }
  close_fd(fd);  // all sent: the child reads EOF
}

// A child that has exited (a zombie still: its pid, hence its process group
// id, cannot be reused yet). WNOWAIT: looks without reaping.
bool has_exited(int pid) {
  siginfo_t info{};
  return waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

// The child's group is its pid (setsid in start_child.cpp); the child itself
// too, in case it is killed before it got to setsid.
void kill_group(int pid) {
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
}

int open_pidfd(int pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
  return int(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

}  // namespace

Ending supervise(Child& child, Streams& streams, const Limits& limits) {
  // Writing to a pipe whose reader has gone raises SIGPIPE, which would kill
  // the grader. Blocked in this thread for the loop; a SIGPIPE we caused is
  // taken off the pending set afterwards, so nothing else sees it.
  sigset_t pipe_signal, previous, pending_before;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  sigpending(&pending_before);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);

  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(limits.wall_seconds));
  int pidfd = open_pidfd(child.pid);
  Ending end;
  bool exited = false;
  uint64_t output_dropped = 0, breach_dropped = 0, log_dropped = 0;
  feed(child.input_fd, streams);
  while (true) {
    if (!exited && has_exited(child.pid)) {
      exited = true;
      // Whatever it left behind in its group goes too (and lets the pipes reach EOF).
      kill_group(child.pid);
    }
    if (exited && child.output_fd < 0 && child.log_fd < 0 && child.breach_fd < 0) break;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      end.timed_out = !exited;
      kill_group(child.pid);
      break;
    }
    pollfd fds[5];
    nfds_t count = 0;
    for (int fd : {child.output_fd, child.log_fd, child.breach_fd})
      if (fd >= 0) fds[count++] = {fd, POLLIN, 0};
    if (child.input_fd >= 0) fds[count++] = {child.input_fd, POLLOUT, 0};
    if (pidfd >= 0 && !exited) fds[count++] = {pidfd, POLLIN, 0};
    // Without a pidfd (old kernels, not Linux) we look at the child every 10 ms.
    const int wait_ms =
        int(left.count() < 10 || pidfd < 0 ? std::min<long>(left.count(), 10) : left.count());
    if (poll(fds, count, wait_ms) < 0 && errno != EINTR) {
      kill_group(child.pid);  // cannot watch it any more: never wait4 for a live child
      break;
    }
    drain(child.output_fd, streams.output, limits.output_bytes, output_dropped);
    drain(child.log_fd, streams.log, kLogLimit, log_dropped);
    drain(child.breach_fd, streams.breach, 4096, breach_dropped);
    feed(child.input_fd, streams);
    if (output_dropped > 0 && !end.output_overflow) {
      end.output_overflow = true;
      kill_group(child.pid);
    }
  }
  rusage usage{};
  int status = 0;
  while (wait4(child.pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  // What the pipes still hold after the kill (non-blocking: a leftover that
  // escaped the group cannot keep us here).
  drain(child.output_fd, streams.output, limits.output_bytes, output_dropped);
  drain(child.log_fd, streams.log, kLogLimit, log_dropped);
  drain(child.breach_fd, streams.breach, 4096, breach_dropped);
  for (int* fd : {&child.input_fd, &child.output_fd, &child.log_fd, &child.breach_fd, &pidfd})
    close_fd(*fd);
  streams.log_dropped = log_dropped;

  if (WIFEXITED(status)) end.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) end.signal = WTERMSIG(status);
  end.cpu_seconds = double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  end.peak_bytes = uint64_t(usage.ru_maxrss) * 1024;  // Linux gives KiB
  timespec no_wait{0, 0};
  if (!sigismember(&pending_before, SIGPIPE)) sigtimedwait(&pipe_signal, nullptr, &no_wait);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return end;
}

}  // namespace sandbox::detail
