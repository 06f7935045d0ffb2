// tutorials/exercises/sandbox/seccomp_rules.h: the filter's rules, one line each, with the why.
//
// Included only by seccomp_filter.cpp (Linux). A rule names a system call,
// the test on its arguments, and the breach. The numbers come from the
// kernel's headers for the architecture being compiled, so they are right for
// x86-64 and aarch64 alike; where an architecture lacks a call (aarch64, like
// every newer one, has no open, creat, fork, vfork, rename, unlink, mkdir,
// chmod, ...: only their *at forms) its number is -1 below and the rule is skipped.
#pragma once

#include <fcntl.h>
#include <linux/sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <csignal>
#include <cstdint>

namespace sandbox::seccomp {

// The calls aarch64 (asm-generic) has no number for.
#define AG_MISSING(n) -1
#ifndef __NR_open
#define __NR_open AG_MISSING(open)
#endif
#ifndef __NR_creat
#define __NR_creat AG_MISSING(creat)
#endif
#ifndef __NR_fork
#define __NR_fork AG_MISSING(fork)
#endif
#ifndef __NR_vfork
#define __NR_vfork AG_MISSING(vfork)
#endif
#ifndef __NR_rename
#define __NR_rename AG_MISSING(rename)
#endif
#ifndef __NR_renameat
#define __NR_renameat AG_MISSING(renameat)
#endif
#ifndef __NR_unlink
#define __NR_unlink AG_MISSING(unlink)
#endif
#ifndef __NR_rmdir
#define __NR_rmdir AG_MISSING(rmdir)
#endif
#ifndef __NR_mkdir
#define __NR_mkdir AG_MISSING(mkdir)
#endif
#ifndef __NR_link
#define __NR_link AG_MISSING(link)
#endif
#ifndef __NR_symlink
#define __NR_symlink AG_MISSING(symlink)
#endif
#ifndef __NR_chmod
#define __NR_chmod AG_MISSING(chmod)
#endif
#ifndef __NR_chown
#define __NR_chown AG_MISSING(chown)
#endif
#ifndef __NR_lchown
#define __NR_lchown AG_MISSING(lchown)
#endif
#ifndef __NR_mknod
#define __NR_mknod AG_MISSING(mknod)
#endif
#ifndef __NR_utime
#define __NR_utime AG_MISSING(utime)
#endif
#ifndef __NR_futimesat
#define __NR_futimesat AG_MISSING(futimesat)
#endif
#ifndef __NR_fchmodat2  // Linux 6.6: the same number on every architecture
#define __NR_fchmodat2 452
#endif
#ifndef __NR_utimes
#define __NR_utimes AG_MISSING(utimes)
#endif
#ifndef __NR_iopl
#define __NR_iopl AG_MISSING(iopl)
#endif
#ifndef __NR_ioperm
#define __NR_ioperm AG_MISSING(ioperm)
#endif

// What a rule looks at before it traps.
enum class Test : uint8_t {
  always,       // the call itself is the breach
  any_bit_of,   // trap if argument `arg` has any bit of `value` (open's write flags)
  none_bit_of,  // trap if argument `arg` has no bit of `value` (clone without CLONE_THREAD)
  equals,       // trap if argument `arg` equals `value` (rt_sigaction of SIGSYS)
  not_null,     // trap if argument `arg` (a pointer, all 64 bits) is not null
  not_self,     // trap if argument `arg` (a pid) is not 0, the runner's pid or its group
  enosys,       // no trap: the call fails with ENOSYS, and glibc falls back (clone3)
};

// The breaches, in the words the launcher reports.
enum class Why : uint8_t {
  start_process,
  write_file,
  change_files,
  ptrace,
  socket,
  limits,
  signal,
  sigsys_handler,
  process_group,
  namespaces,
  terminal,
  call_itself,
};
inline const char* text_of(Why why) {
  switch (why) {
    case Why::start_process:
      return "tried to start a process";
    case Why::write_file:
      return "tried to open a file for writing";
    case Why::change_files:
      return "tried to rename, delete or change a file";
    case Why::ptrace:
      return "tried to use ptrace";
    case Why::socket:
      return "tried to open a socket";
    case Why::limits:
      return "tried to change its limits";
    case Why::signal:
      return "tried to signal another process";
    case Why::sigsys_handler:
      return "tried to change its SIGSYS handler";
    case Why::process_group:
      return "tried to leave its process group";
    case Why::namespaces:
      return "tried to change its namespaces or mounts";
    case Why::terminal:
      return "tried to type into the terminal";
    case Why::call_itself:
      return "tried to use";  // + the call's name
  }
  return "made a forbidden system call";
}

struct Rule {
  long number;  // __NR_..., or -1 where this architecture has no such call
  const char* name;
  Test test;
  uint8_t arg;     // which argument the test reads
  uint32_t value;  // its bits or value (the low 32 bits of the argument)
  Why why;
};

// open's flags that write: any of them, and the file may change.
constexpr uint32_t kWriteFlags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;

#define AG_RULE(call, test, arg, value, why) \
  { __NR_##call, #call, Test::test, arg, value, Why::why }
inline constexpr Rule kRules[] = {
    // A new process could escape every limit of this one's threads (and run
    // anything): fork, vfork, and clone unless it makes a thread of this process.
    AG_RULE(fork, always, 0, 0, start_process),
    AG_RULE(vfork, always, 0, 0, start_process),
    AG_RULE(clone, none_bit_of, 0, CLONE_THREAD, start_process),
    // clone3 passes its flags in memory, which a filter cannot read: ENOSYS,
    // and glibc's pthread_create falls back to clone (checked above).
    AG_RULE(clone3, enosys, 0, 0, start_process),
    // The runner is already running: any exec would be another program.
    AG_RULE(execve, always, 0, 0, start_process),
    AG_RULE(execveat, always, 0, 0, start_process),
    // Writing a file: the gradebook, the build, /proc/self/mem (a write
    // there patches the running code past the filter's back). Reading stays allowed.
    AG_RULE(open, any_bit_of, 1, kWriteFlags, write_file),
    AG_RULE(openat, any_bit_of, 2, kWriteFlags, write_file),
    AG_RULE(creat, always, 0, 0, write_file),
    // openat2 passes its flags in memory: ENOSYS (glibc's fopen uses openat).
    AG_RULE(openat2, enosys, 0, 0, write_file),
    AG_RULE(open_by_handle_at, always, 0, 0, write_file),
    // Changing the file system without opening a file.
    AG_RULE(rename, always, 0, 0, change_files),
    AG_RULE(renameat, always, 0, 0, change_files),
    AG_RULE(renameat2, always, 0, 0, change_files),
    AG_RULE(unlink, always, 0, 0, change_files),
    AG_RULE(unlinkat, always, 0, 0, change_files),
    AG_RULE(rmdir, always, 0, 0, change_files),
    AG_RULE(mkdir, always, 0, 0, change_files),
    AG_RULE(mkdirat, always, 0, 0, change_files),
    AG_RULE(link, always, 0, 0, change_files),
    AG_RULE(linkat, always, 0, 0, change_files),
    AG_RULE(symlink, always, 0, 0, change_files),
    AG_RULE(symlinkat, always, 0, 0, change_files),
    AG_RULE(chmod, always, 0, 0, change_files),
    AG_RULE(fchmodat, always, 0, 0, change_files),
    AG_RULE(chown, always, 0, 0, change_files),
    AG_RULE(lchown, always, 0, 0, change_files),
    AG_RULE(fchownat, always, 0, 0, change_files),
    AG_RULE(truncate, always, 0, 0, change_files),
    AG_RULE(mknod, always, 0, 0, change_files),
    AG_RULE(mknodat, always, 0, 0, change_files),
    AG_RULE(utimes, always, 0, 0, change_files),
    AG_RULE(utimensat, always, 0, 0, change_files),
    AG_RULE(utime, always, 0, 0, change_files),
    AG_RULE(futimesat, always, 0, 0, change_files),
    AG_RULE(fchmod, always, 0, 0, change_files),
    AG_RULE(fchmodat2, always, 0, 0, change_files),
    AG_RULE(fchown, always, 0, 0, change_files),
    // Extended attributes are a file's too (security labels, ACLs).
    AG_RULE(setxattr, always, 0, 0, change_files),
    AG_RULE(lsetxattr, always, 0, 0, change_files),
    AG_RULE(fsetxattr, always, 0, 0, change_files),
    AG_RULE(removexattr, always, 0, 0, change_files),
    AG_RULE(lremovexattr, always, 0, 0, change_files),
    AG_RULE(fremovexattr, always, 0, 0, change_files),
    // Its own or another process's priority and scheduling: the judge's time
    // measurements, and the other hand-ins graded beside it.
    AG_RULE(setpriority, always, 0, 0, call_itself),
    AG_RULE(sched_setaffinity, always, 0, 0, call_itself),
    AG_RULE(sched_setscheduler, always, 0, 0, call_itself),
    AG_RULE(sched_setparam, always, 0, 0, call_itself),
    AG_RULE(sched_setattr, always, 0, 0, call_itself),
    AG_RULE(ioprio_set, always, 0, 0, call_itself),
    // Reading or writing another process's memory, or taking its files.
    AG_RULE(ptrace, always, 0, 0, ptrace),
    AG_RULE(process_vm_readv, always, 0, 0, ptrace),
    AG_RULE(process_vm_writev, always, 0, 0, ptrace),
    AG_RULE(pidfd_getfd, always, 0, 0, ptrace),
    AG_RULE(kcmp, always, 0, 0, ptrace),
    // The network, and local sockets to other programs.
    AG_RULE(socket, always, 0, 0, socket),
    AG_RULE(socketpair, always, 0, 0, socket),
    AG_RULE(connect, always, 0, 0, socket),
    // Raising its own limits back. prlimit64 with no new limit only reads
    // them (glibc's getrlimit is that call), which stays allowed.
    AG_RULE(setrlimit, always, 0, 0, limits),
    AG_RULE(prlimit64, not_null, 2, 0, limits),
    // Signals only to itself: kill(-1, SIGKILL) would end every process of
    // the user, the grader included. glibc's raise and abort use tgkill on itself.
    AG_RULE(kill, not_self, 0, 0, signal),
    AG_RULE(tgkill, not_self, 0, 0, signal),
    AG_RULE(tkill, always, 0, 0, signal),
    AG_RULE(rt_sigqueueinfo, not_self, 0, 0, signal),
    AG_RULE(rt_tgsigqueueinfo, not_self, 0, 0, signal),
    AG_RULE(pidfd_send_signal, always, 0, 0, signal),
    // The SIGSYS handler is what names every breach above: it stays ours.
    AG_RULE(rt_sigaction, equals, 0, SIGSYS, sigsys_handler),
    // A new session or group would escape the wall clock's kill of the group.
    AG_RULE(setsid, always, 0, 0, process_group),
    AG_RULE(setpgid, always, 0, 0, process_group),
    AG_RULE(unshare, always, 0, 0, namespaces),
    AG_RULE(setns, always, 0, 0, namespaces),
    AG_RULE(mount, always, 0, 0, namespaces),
    AG_RULE(umount2, always, 0, 0, namespaces),
    AG_RULE(pivot_root, always, 0, 0, namespaces),
    AG_RULE(chroot, always, 0, 0, namespaces),
    AG_RULE(open_tree, always, 0, 0, namespaces),
    AG_RULE(move_mount, always, 0, 0, namespaces),
    AG_RULE(fsopen, always, 0, 0, namespaces),
    // TIOCSTI pushes characters into the teacher's terminal, as if typed.
    AG_RULE(ioctl, equals, 1, TIOCSTI, terminal),
    // io_uring can open and write files without the calls above.
    AG_RULE(io_uring_setup, always, 0, 0, call_itself),
    // System V IPC and message queues outlive the process: a runner could
    // leave objects behind, or meet another runner there.
    AG_RULE(shmget, always, 0, 0, call_itself),
    AG_RULE(msgget, always, 0, 0, call_itself),
    AG_RULE(semget, always, 0, 0, call_itself),
    AG_RULE(mq_open, always, 0, 0, call_itself),
    // The kernel's other doors, none of which a gradient needs.
    AG_RULE(syslog, always, 0, 0, call_itself),
    AG_RULE(bpf, always, 0, 0, call_itself),
    AG_RULE(perf_event_open, always, 0, 0, call_itself),
    AG_RULE(userfaultfd, always, 0, 0, call_itself),
    AG_RULE(keyctl, always, 0, 0, call_itself),
    AG_RULE(add_key, always, 0, 0, call_itself),
    AG_RULE(request_key, always, 0, 0, call_itself),
    AG_RULE(personality, always, 0, 0, call_itself),
    AG_RULE(iopl, always, 0, 0, call_itself),
    AG_RULE(ioperm, always, 0, 0, call_itself),
};
#undef AG_RULE

}  // namespace sandbox::seccomp
