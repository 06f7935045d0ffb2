// tutorials/exercises/graders/grader.cpp: running checks safely, comparing,
// and printing a score (see grader.h).
#include "tutorials/exercises/graders/grader.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>

namespace grade {
namespace {

// A check may run this long before it counts as an endless loop: the checks
// take milliseconds, so 5 s is generous even for a sanitizer build (~10x
// slower). AG_GRADE_TIMEOUT=<seconds> overrides it.
unsigned timeout_seconds() {
  const char* text = std::getenv("AG_GRADE_TIMEOUT");
  const int seconds = text ? std::atoi(text) : 0;
  return seconds > 0 ? static_cast<unsigned>(seconds) : 5u;
}

struct Outcome {
  bool passed = false;
  std::string reason;  // why it failed; empty when passed
};

Outcome run_here(const Check& check) {
  try {
    check.run();
    return {true, ""};
  } catch (const Wrong& wrong) {
    return {false, wrong.what()};
  } catch (const std::exception& e) {
    return {false, std::string("your code threw: ") + e.what()};
  } catch (...) {
    return {false, "your code threw something that is not a std::exception"};
  }
}

std::string describe_signal(int sig) {
  if (sig == SIGALRM)
    return "was stopped after " + std::to_string(timeout_seconds()) + " s (an endless loop?)";
  std::string text = "crashed: ";
  text += strsignal(sig);
  if (sig == SIGSEGV || sig == SIGBUS) text += " (an index out of bounds, or a null pointer?)";
  if (sig == SIGFPE) text += " (an integer division by zero?)";
  if (sig == SIGABRT) text += " (an assert, or an exception that escaped a thread?)";
  return text;
}

// Run the check in a child process; the child sends "P" or "F<reason>" back
// through a pipe. Whatever the child does (crash, hang, exit()), the parent
// learns it from the pipe and the exit status and goes on to the next check.
Outcome run_in_child(const Check& check) {
  std::fflush(stdout);  // or the child would print the parent's pending output again
  std::fflush(stderr);
  int fds[2];
  if (pipe(fds) != 0) return run_here(check);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return run_here(check);
  }
  if (pid == 0) {  // the child
    close(fds[0]);
    alarm(timeout_seconds());
    Outcome outcome = run_here(check);
    std::string message = (outcome.passed ? "P" : "F") + outcome.reason;
    for (size_t sent = 0; sent < message.size();) {
      ssize_t n = write(fds[1], message.data() + sent, message.size() - sent);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    close(fds[1]);
    std::fflush(stdout);  // the student's own prints, if any
    _exit(0);             // no static destructors: they belong to the parent
  }
  close(fds[1]);
  std::string message;
  char chunk[4096];
  for (ssize_t n; (n = read(fds[0], chunk, sizeof chunk)) > 0;)
    message.append(chunk, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return {false, "your code " + describe_signal(WTERMSIG(status))};
  if (message.empty())
    return {false, "the check ended without a result (exit status " +
                       std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                       "): did your code call exit(), or did a sanitizer stop it (see above)?"};
  return {message[0] == 'P', message.substr(1)};
}

std::string number_str(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

}  // namespace

int run_checks(const std::string& title, const std::string& student_file,
               const std::vector<Check>& checks) {
  int total = 0;
  for (const Check& check : checks) total += check.points;
  std::printf("%s\nstudent file: %s\n\n", title.c_str(), student_file.c_str());
  if (total != 100) {
    std::printf("grader error: the checks are worth %d points, not 100\n", total);
    return 2;
  }
  const char* inline_env = std::getenv("AG_GRADE_INLINE");
  const bool in_process = inline_env && std::strcmp(inline_env, "1") == 0;
  int score = 0;
  for (const Check& check : checks) {
    Outcome outcome = in_process ? run_here(check) : run_in_child(check);
    int got = outcome.passed ? check.points : 0;
    score += got;
    std::printf("  [%3d/%3d] %s  %s\n", got, check.points, outcome.passed ? "pass" : "FAIL",
                check.name.c_str());
    if (!outcome.passed) {  // a multi-line reason keeps its lines under the check's
      std::string indented = outcome.reason;
      for (size_t at = indented.find('\n'); at != std::string::npos;
           at = indented.find('\n', at + 1))
        indented.insert(at + 1, "              ");
      std::printf("              %s\n", indented.c_str());
    }
    std::fflush(stdout);
  }
  std::printf("\nscore: %d/100\n", score);
  return 0;
}

void expect(bool ok, const std::string& reason) {
  if (!ok) throw Wrong(reason);
}

void expect_close(const std::string& what, const ag::Shape& shape, const float* got,
                  const float* expected, double atol, double rtol, const Diagnosis& diagnosis) {
  const int64_t n = ag::numel_of(shape);
  std::vector<int64_t> wrong;
  for (int64_t i = 0; i < n; ++i) {
    double g = got[i], e = expected[i];
    bool close =
        std::isfinite(g) && std::fabs(g - e) <= atol + rtol * std::fabs(e);  // NaN fails here
    if (!close) wrong.push_back(i);
  }
  if (wrong.empty()) return;
  std::ostringstream os;
  os << what << " " << ag::shape_str(shape) << ": " << wrong.size() << " of " << n
     << " elements wrong";
  const std::string pattern = describe_errors(shape, got, expected, atol, rtol);
  if (!pattern.empty()) os << "; " << pattern;
  for (size_t k = 0; k < wrong.size() && k < 3; ++k) {
    const int64_t at = wrong[k];
    os << "\n  at " << ag::index_str(at, shape) << ": expected " << number_str(expected[at])
       << ", got " << number_str(got[at]);
    if (std::isnan(got[at])) os << " (NaN: never written, or computed from inf - inf or 0 / 0?)";
  }
  os << diagnosis.text();
  throw Wrong(os.str());
}

void expect_close(const std::string& what, const ag::Tensor& got, const ag::Tensor& expected,
                  double atol, double rtol, const Diagnosis& diagnosis) {
  expect(got.defined(), what + ": your function returned an undefined tensor");
  expect(got.shape() == expected.shape(), what + ": expected shape " +
                                              ag::shape_str(expected.shape()) + ", got " +
                                              ag::shape_str(got.shape()));
  expect_close(what, expected.shape(), got.data(), expected.data(), atol, rtol, diagnosis);
}

std::vector<float> random_floats(int64_t n, uint64_t seed, float scale) {
  ag::Generator generator(seed);
  std::vector<float> values(static_cast<size_t>(n));
  for (float& v : values) v = generator.normal() * scale;
  return values;
}

std::vector<double> numeric_gradient(const std::function<double(const std::vector<double>&)>& f,
                                     std::vector<double> x, double eps) {
  std::vector<double> gradient(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double saved = x[i];
    x[i] = saved + eps;
    const double up = f(x);
    x[i] = saved - eps;
    const double down = f(x);
    x[i] = saved;
    gradient[i] = (up - down) / (2 * eps);
  }
  return gradient;
}

std::vector<float> to_floats(const std::vector<double>& v) {
  return std::vector<float>(v.begin(), v.end());
}
std::vector<double> to_doubles(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

}  // namespace grade
