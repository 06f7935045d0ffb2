// tutorials/exercises/sandbox/seccomp_filter.cpp: the rules of seccomp_rules.h, as a BPF program.
//
// Linux only (the rest of the world gets available() == false). The kernel
// runs the program on every system call with a struct seccomp_data: the
// architecture, the call's number, its six arguments. The program is a list
// of instructions (load a word, compare and jump forward, return a verdict):
//
//   load arch;   not ours?            -> kill the process (a 32-bit call on x86-64
//                                        has other numbers: the rules would be wrong)
//   load number; x32 call (x86-64)?   -> kill (same reason)
//   for each rule:  number == rule's? -> [load the argument, test it] -> trap or allow
//   allow
//
// A trap carries the rule's index (SECCOMP_RET_DATA), which the kernel gives
// the SIGSYS handler as si_errno: breach_of_trap() turns it back into words.
#include "tutorials/exercises/sandbox/seccomp_filter.h"

#ifdef __linux__
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cstddef>

#include "tutorials/exercises/sandbox/seccomp_rules.h"
#endif

namespace sandbox::seccomp {

#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))

namespace {

// The numbers come from the headers of the architecture being compiled;
// these checks catch a header that is not that architecture's (the two
// tables differ: x86-64 keeps the historical numbers, aarch64 the generic ones).
#if defined(__x86_64__)
constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
static_assert(__NR_open == 2 && __NR_socket == 41 && __NR_clone == 56 && __NR_fork == 57 &&
              __NR_execve == 59 && __NR_ptrace == 101 && __NR_openat == 257 &&
              __NR_prlimit64 == 302 && __NR_clone3 == 435);
#else
constexpr uint32_t kArch = AUDIT_ARCH_AARCH64;  // little-endian: the low word of an argument first
static_assert(__NR_openat == 56 && __NR_ptrace == 117 && __NR_socket == 198 && __NR_clone == 220 &&
              __NR_execve == 221 && __NR_prlimit64 == 261 && __NR_clone3 == 435);
#endif

constexpr uint32_t kTrap = SECCOMP_RET_TRAP, kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;

// The program, built in place: it runs before main, where nothing may allocate.
struct Program {
  sock_filter code[512];
  unsigned short size = 0;
  void add(uint16_t op, uint32_t k, uint8_t jt = 0, uint8_t jf = 0) {
    if (size < 512) code[size] = BPF_JUMP(op, k, jt, jf);
    ++size;
  }
  void load(uint32_t offset) { add(BPF_LD | BPF_W | BPF_ABS, offset); }
  void ret(uint32_t verdict) { add(BPF_RET | BPF_K, verdict); }
  // Jump offsets count the instructions skipped (0: the next one).
  void jump_if_equal(uint32_t k, uint8_t yes, uint8_t no) {
    add(BPF_JMP | BPF_JEQ | BPF_K, k, yes, no);
  }
  void jump_if_bits(uint32_t k, uint8_t yes, uint8_t no) {
    add(BPF_JMP | BPF_JSET | BPF_K, k, yes, no);
  }
};

uint32_t low_word(int arg) { return uint32_t(offsetof(seccomp_data, args) + 8 * arg); }
uint32_t high_word(int arg) { return low_word(arg) + 4; }

// One rule: `number == rule's ? (test) : skip the block`. Every block that
// tests an argument ends in a verdict, so the number in the accumulator is
// never needed again after its block matched.
void add_rule(Program& p, const Rule& rule, uint32_t index, int32_t self) {
  const uint32_t trap = kTrap | index;
  switch (rule.test) {
    case Test::always:
      p.jump_if_equal(uint32_t(rule.number), 0, 1);
      p.ret(trap);
      return;
    case Test::enosys:
      p.jump_if_equal(uint32_t(rule.number), 0, 1);
      p.ret(kEnosys);
      return;
    case Test::any_bit_of:  // bits set: trap; else allow
    case Test::none_bit_of:
    case Test::equals: {
      p.jump_if_equal(uint32_t(rule.number), 0, 4);
      p.load(low_word(rule.arg));
      if (rule.test == Test::any_bit_of) p.jump_if_bits(rule.value, 0, 1);
      if (rule.test == Test::none_bit_of) p.jump_if_bits(rule.value, 1, 0);
      if (rule.test == Test::equals) p.jump_if_equal(rule.value, 0, 1);
      p.ret(trap);
      p.ret(kAllow);
      return;
    }
    case Test::not_null:  // either half of the pointer non-zero: trap
      p.jump_if_equal(uint32_t(rule.number), 0, 6);
      p.load(low_word(rule.arg));
      p.jump_if_equal(0, 0, 2);
      p.load(high_word(rule.arg));
      p.jump_if_equal(0, 1, 0);
      p.ret(trap);
      p.ret(kAllow);
      return;
    case Test::not_self:  // pid 0 (its group: itself), its pid, or -pid (its group): allow
      p.jump_if_equal(uint32_t(rule.number), 0, 6);
      p.load(low_word(rule.arg));
      p.jump_if_equal(uint32_t(self), 3, 0);
      p.jump_if_equal(0, 2, 0);
      p.jump_if_equal(uint32_t(-self), 1, 0);
      p.ret(trap);
      p.ret(kAllow);
      return;
  }
}

}  // namespace

bool install(int32_t self_pid) {
  static Program p;  // static: 4 KiB is too much for some stacks before main
  p.size = 0;
  p.load(offsetof(seccomp_data, arch));
  p.jump_if_equal(kArch, 1, 0);
  p.ret(SECCOMP_RET_KILL_PROCESS);
  p.load(offsetof(seccomp_data, nr));
#if defined(__x86_64__)
  // x32 calls: the same entry point with bit 30 set in the number.
  p.add(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
  p.ret(SECCOMP_RET_KILL_PROCESS);
#endif
  uint32_t index = 0;
  for (const Rule& rule : kRules) {
    if (rule.number >= 0) add_rule(p, rule, index, self_pid);
    ++index;
  }
  p.ret(kAllow);
  if (p.size > 512) {
    errno = E2BIG;
    return false;
  }
  sock_fprog program{p.size, p.code};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) == 0;
}

Breach breach_of_trap(int trap_number) {
  constexpr int count = int(sizeof kRules / sizeof kRules[0]);
  if (trap_number < 0 || trap_number >= count) return {"made a forbidden system call", nullptr};
  const Rule& rule = kRules[trap_number];
  return {text_of(rule.why), rule.why == Why::call_itself ? rule.name : nullptr};
}

bool available() { return true; }

#else  // not Linux, or an architecture whose calls this filter does not know

bool install(int32_t) { return false; }
Breach breach_of_trap(int) { return {"made a forbidden system call", nullptr}; }
bool available() { return false; }

#endif

}  // namespace sandbox::seccomp
