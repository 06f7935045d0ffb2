// tutorials/exercises/tools/grading/handin_checks.h: what a hand-in may
// include and what its object file may hold, read before anything of it runs.
//
// The include rule: a hand-in is compiled with -I the scratch hand-out only,
// and the compiler's own list of what it read (-MD -MF) must hold nothing but
// the standard library's headers and the hand-out's public headers:
//   - every .h of core/, nn/, optim/ and data/ (declarations: the library's
//     interface, as a student's #include "core/tensor.h" needs);
//   - tutorials/exercises/NAME.h and tutorials/exercises/exercise.h.
// No .cpp at all (core/reference/softmax_naive.cpp is the library's own
// answer), nothing of tests/ (the solutions), nothing outside the hand-out
// (an absolute path to the teacher's checkout), no device (/dev/stdin).
//
// The object rule (after check_calls.sh, the allow-list of calls): nothing
// that runs before the sandbox confines the runner or that slips past it:
// a .preinit_array section, a prioritised constructor (.init_array.NNNNN,
// .ctors.NNNNN: init_priority, constructor(N)), an IFUNC symbol (its
// resolver runs inside the dynamic loader), an inline `syscall` instruction.
#pragma once

#include <string>
#include <vector>

namespace grading {

// The directories the compiler searches for <...> headers (its -v list),
// made canonical: what -MD lists under them is the standard library.
std::vector<std::string> system_include_dirs(const std::vector<std::string>& cxx);

// The files a make-style dependency file (-MD -MF) names, after its target.
std::vector<std::string> dependencies(const std::string& depfile_text);

// "" when every dependency is allowed; otherwise the refusal, naming the file:
// "your file includes core/reference/softmax_naive.cpp, which is not one of the
// headers this assignment gives you".
std::string check_includes(const std::vector<std::string>& deps, const std::string& source,
                           const std::string& handout, const std::string& assignment,
                           const std::vector<std::string>& system_dirs);

// The compiler could not find an #include: when the teacher's checkout has it
// (tests/exercise_solutions/...), that is a forbidden include, with the same
// message; "" otherwise (an ordinary compile error).
std::string missing_include_refusal(const std::string& compiler_output,
                                    const std::string& teacher_root);

// "" when the object holds none of the constructs above; otherwise what it
// holds, one per line ("your object file has a .preinit_array section, ...").
std::string check_object(const std::string& object);

// The defined-function part of check_object, on `readelf -s -W`'s text: a
// C-named function, operator new/delete, a strong std:: definition.
std::string check_defined_symbols(const std::string& readelf_symbols);

// "" when the lines of `source` in its preprocessed text hold no inline
// assembly (asm, __asm, __asm__); otherwise the refusal, naming the line.
std::string check_no_asm(const std::string& preprocessed, const std::string& source);

}  // namespace grading
