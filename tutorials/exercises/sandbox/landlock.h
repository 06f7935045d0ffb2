// tutorials/exercises/sandbox/landlock.h: what files a runner may read.
//
// seccomp (seccomp_filter.h) sees a system call's number and arguments but
// not the path a pointer points at, so it cannot tell /usr/lib from the
// gradebook. Landlock (Linux 5.13 and later) can: an unprivileged process
// restricts itself, for good, to some folders. A runner keeps read access to
// the system's folders (/usr, /lib, /etc, /proc, /sys, /dev: what the C and C++
// libraries may read at run time) and loses the rest: the repository, the
// answers, the other hand-ins, the gradebook, /tmp, /home. Its inputs come on
// stdin, so it needs no file of the course.
//
// Header-only: confine_runner.cpp is its one user, and every runner links
// that object already (no new object on the runners' link lines).
//
// Linux only (elsewhere: false, nothing done). Three system calls, no library:
//   1. landlock_create_ruleset: which kinds of access the ruleset governs
//      ("handled"); every handled access not granted below is refused;
//   2. landlock_add_rule: for each folder, the accesses granted beneath it;
//   3. landlock_restrict_self: in force from now on, for this process and
//      every thread it starts; nothing can lift it.
// The kernel's Landlock ABI grows (v2: renaming across folders, v3: truncate,
// v5: device ioctls); the ruleset handles what this kernel knows.
#pragma once

#ifdef __linux__
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <cstdint>
#include <initializer_list>

namespace sandbox::landlock {

#if defined(__linux__) && defined(SYS_landlock_create_ruleset)

// Access rights, as the kernel numbers them (older headers lack the later ones).
inline constexpr uint64_t kExecute = 1ull << 0, kReadFile = 1ull << 2, kReadDir = 1ull << 3;
inline constexpr uint64_t kAbi1 = (1ull << 13) - 1;  // execute ... make_sym: bits 0-12
inline constexpr uint64_t kRefer = 1ull << 13, kTruncate = 1ull << 14, kIoctlDev = 1ull << 15;

// Grants `access` beneath (or on) `path`; a path that does not exist grants nothing.
inline void allow(int ruleset_fd, const char* path, uint64_t access) {
  const int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return;
  landlock_path_beneath_attr rule{};
  rule.allowed_access = access;
  rule.parent_fd = fd;
  syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
  close(fd);
}

// Applies the restriction to the calling thread and every thread it starts:
// read-only access to the system's folders, and to the files named in
// `files` (the runner's own command line: the judge chose it, and a teacher
// who runs a runner by hand on an inputs file needs it). Returns false
// (nothing applied) where the kernel has no Landlock.
inline bool restrict_to_system_folders(int file_count, char** files) {
  const long abi =
      syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) return false;
  uint64_t handled = kAbi1;
  if (abi >= 2) handled |= kRefer;
  if (abi >= 3) handled |= kTruncate;
  if (abi >= 5) handled |= kIoctlDev;

  landlock_ruleset_attr ruleset{};
  ruleset.handled_access_fs = handled;
  const int ruleset_fd = int(syscall(SYS_landlock_create_ruleset, &ruleset, sizeof ruleset, 0));
  if (ruleset_fd < 0) return false;
  // The dynamic loader is done by now, but the C and C++ libraries may still
  // read: /etc/localtime, /sys/devices/system/cpu (the number of cores),
  // /proc/self/maps, /dev/urandom, locale files under /usr.
  for (const char* folder : {"/usr", "/lib", "/lib64", "/etc", "/proc", "/sys", "/dev"})
    allow(ruleset_fd, folder, (kExecute | kReadFile | kReadDir) & handled);
  for (int i = 0; i < file_count; ++i) {
    struct stat info {};
    if (stat(files[i], &info) == 0 && S_ISREG(info.st_mode))
      allow(ruleset_fd, files[i], kReadFile & handled);
  }
  const bool applied = syscall(SYS_landlock_restrict_self, ruleset_fd, 0) == 0;
  close(ruleset_fd);
  return applied;
}

#else

inline bool restrict_to_system_folders(int, char**) { return false; }

#endif

}  // namespace sandbox::landlock
