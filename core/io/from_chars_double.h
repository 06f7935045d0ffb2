// core/io/from_chars_double.h: std::from_chars for a double, on every standard library.
//
// std::from_chars(first, last, double&) reads a number exactly and ignores
// the locale: what the JSON reader and the checkpoint's metadata need. g++'s
// libstdc++ has it (since 11), but LLVM's libc++ (Apple's, and clang's with
// -stdlib=libc++) has it only for integers before version 17. There this
// falls back to strtod on a copy of the text, after refusing what from_chars
// refuses and strtod would take: leading spaces, a '+', hexadecimal. strtod
// reads '.' as the decimal point in the "C" locale, which a program keeps
// unless it calls setlocale; attograd never does.
#pragma once

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>
#include <system_error>

namespace ag::io {

// std::from_chars's answer by way of strtod (what libc++ before 17 uses;
// compiled everywhere, so the tests hold it equal to from_chars on g++ too).
inline std::from_chars_result from_chars_double_by_strtod(const char* first, const char* last,
                                                          double& out) {
  if (first == last || *first == '+' || std::isspace(static_cast<unsigned char>(*first)))
    return {first, std::errc::invalid_argument};
  // from_chars reads "0x1p3" as 0 and stops at the x; strtod would read hexadecimal.
  std::string text(first, last);
  text = text.substr(0, text.find_first_of("xX"));
  char* stop = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &stop);
  const char* end = first + (stop - text.c_str());
  if (end == first) return {first, std::errc::invalid_argument};
  if (errno == ERANGE) return {end, std::errc::result_out_of_range};  // out is left unchanged
  out = value;
  return {end, std::errc()};
}

// As std::from_chars(first, last, out): {where reading stopped, errc()} on
// success; errc::invalid_argument when no number starts at first;
// errc::result_out_of_range (out unchanged) when it is too large or too small
// for a double.
inline std::from_chars_result from_chars_double(const char* first, const char* last, double& out) {
#if defined(__cpp_lib_to_chars)
  return std::from_chars(first, last, out);
#else
  return from_chars_double_by_strtod(first, last, out);
#endif
}

}  // namespace ag::io
