// tutorials/exercises/tools/similarity_fingerprint.h: C++ source -> tokens -> winnowed
// fingerprints.
//
// The method of MOSS (Schleimer, Wilkerson and Aiken, "Winnowing: local
// algorithms for document fingerprinting", SIGMOD 2003), on tokens rather
// than characters:
//   1. tokens: comments and whitespace dropped; every identifier becomes one
//      token kind ("I"), every literal another ("N" numbers, "S" strings and
//      characters); keywords and operators stay themselves. Renaming the
//      variables or rewording the comments changes nothing.
//   2. k-grams: a hash of every k consecutive tokens.
//   3. winnowing: in every window of w consecutive k-gram hashes keep the
//      smallest (the rightmost if tied), each kept once. Two files sharing a
//      run of at least w + k - 1 tokens are guaranteed to share a
//      fingerprint; runs shorter than k tokens never count (noise).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace similarity {

struct Token {
  std::string kind;  // "I", "N", "S", a keyword ("for") or an operator ("+=")
  int line;          // 1-based, in its file
};

// The tokens of C++ source text (tolerant: a file that does not compile still has tokens).
std::vector<Token> tokenize(const std::string& source);

struct Fingerprint {
  uint64_t hash;
  int first_token;  // where its k-gram starts (an index into the token list)
};

struct Settings {
  int k = 10;  // tokens per k-gram
  int w = 6;   // k-grams per window: matches of w + k - 1 = 15 tokens are always found
};

// The winnowed fingerprints of a token list, in order of position.
std::vector<Fingerprint> fingerprints(const std::vector<Token>& tokens, const Settings& settings);

// The hash of every k-gram, in order (step 2, exposed for the tests).
std::vector<uint64_t> kgram_hashes(const std::vector<Token>& tokens, int k);

}  // namespace similarity
