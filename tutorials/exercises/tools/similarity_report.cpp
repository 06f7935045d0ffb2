// tutorials/exercises/tools/similarity_report.cpp: the pairs, ranked, and their shared lines.
//
// A pair's score is what MOSS reports: the fingerprints the two hand-ins
// share (the skeleton's left out), and for each hand-in the part of its own
// fingerprints that are shared, as a percentage. Pairs are ranked by the
// shared count (a long shared passage beats a high percentage of a tiny file).
#include "tutorials/exercises/tools/similarity_report.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace similarity {

namespace {

// Where a fingerprint sits: which file of the hand-in, which token.
struct Place {
  int file;
  int token;
};

// A hand-in's fingerprints that count (not in the base): hash -> its places in order.
std::map<uint64_t, std::vector<Place>> counted_prints(const HandIn& h, const Options& options) {
  std::map<uint64_t, std::vector<Place>> prints;
  for (size_t f = 0; f < h.files.size(); ++f)
    for (const Fingerprint& p : h.files[f].prints)
      if (!options.base_hashes.count(p.hash)) prints[p.hash].push_back({int(f), p.first_token});
  return prints;
}

size_t count_places(const std::map<uint64_t, std::vector<Place>>& prints) {
  size_t n = 0;
  for (const auto& [hash, places] : prints) n += places.size();
  return n;
}

struct Pair {
  int a, b;
  size_t shared = 0;  // distinct fingerprints in common
  int a_percent = 0, b_percent = 0;
};

// The part of `mine` (by places) whose hash `other` has, in whole percent.
int percent_shared(const std::map<uint64_t, std::vector<Place>>& mine,
                   const std::map<uint64_t, std::vector<Place>>& other) {
  size_t shared = 0;
  for (const auto& [hash, places] : mine)
    if (other.count(hash)) shared += places.size();
  const size_t all = count_places(mine);
  return all == 0 ? 0 : int((200 * shared + all) / (2 * all));  // rounded, in integers
}

// A run of shared lines: file and lines in a, file and lines in b.
struct Block {
  int a_file, a_first, a_last, b_file, b_first, b_last;
};

std::vector<Block> shared_blocks(const HandIn& a, const HandIn& b,
                                 const std::map<uint64_t, std::vector<Place>>& pa,
                                 const std::map<uint64_t, std::vector<Place>>& pb, int k) {
  // a's shared fingerprints in a's order, each with all of b's places of that hash.
  std::vector<std::pair<Place, const std::vector<Place>*>> matches;
  for (const auto& [hash, places] : pa) {
    const auto in_b = pb.find(hash);
    if (in_b == pb.end()) continue;
    for (const Place& p : places) matches.push_back({p, &in_b->second});
  }
  std::sort(matches.begin(), matches.end(), [](const auto& x, const auto& y) {
    return std::pair(x.first.file, x.first.token) < std::pair(y.first.file, y.first.token);
  });
  auto lines_of = [k](const HandIn& h, const Place& p) {
    const std::vector<Token>& t = h.files[p.file].tokens;
    return std::pair(t[p.token].line, t[std::min<size_t>(p.token + k - 1, t.size() - 1)].line);
  };
  std::vector<Block> blocks;
  for (const auto& [a_place, b_places] : matches) {
    const auto [a1, a2] = lines_of(a, a_place);
    if (!blocks.empty() && blocks.back().a_file == a_place.file && a1 <= blocks.back().a_last + 1) {
      // Goes on from the last block in a: the place in b that goes on from it too, if any.
      Block& last = blocks.back();
      bool extended = false;
      for (const Place& b_place : *b_places) {
        const auto [b1, b2] = lines_of(b, b_place);
        if (b_place.file == last.b_file && b1 >= last.b_first && b1 <= last.b_last + 1) {
          last.a_last = std::max(last.a_last, a2);
          last.b_last = std::max(last.b_last, b2);
          extended = true;
          break;
        }
      }
      if (extended || a2 <= last.a_last) continue;  // or already shown: not again
    }
    const Place& b_place = b_places->front();
    const auto [b1, b2] = lines_of(b, b_place);
    blocks.push_back({a_place.file, a1, a2, b_place.file, b1, b2});
  }
  return blocks;
}

// One line of code in a column: tabs as two spaces, cut to `width` with "~" at the cut.
std::string column(const std::string& line, size_t width) {
  std::string text;
  for (char c : line) text += c == '\t' ? std::string("  ") : std::string(1, c);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > width) text = text.substr(0, width - 1) + "~";
  return text + std::string(width - text.size(), ' ');
}

std::string line_at(const SourceFile& f, int line) {
  return line >= 1 && size_t(line) <= f.lines.size() ? f.lines[line - 1] : "";
}

void print_block(std::string& out, const HandIn& a, const HandIn& b, const Block& block) {
  constexpr size_t kWidth = 56;
  constexpr int kMostRows = 40;
  const SourceFile& fa = a.files[block.a_file];
  const SourceFile& fb = b.files[block.b_file];
  char heading[512];
  std::snprintf(heading, sizeof heading, "%s:%d-%d", fa.label.c_str(), block.a_first, block.a_last);
  out += "  " + column(heading, kWidth) + " | " + fb.label + ":" + std::to_string(block.b_first) +
         "-" + std::to_string(block.b_last) + "\n";
  const int rows = std::max(block.a_last - block.a_first, block.b_last - block.b_first) + 1;
  for (int r = 0; r < rows && r < kMostRows; ++r) {
    const std::string left =
        block.a_first + r <= block.a_last ? line_at(fa, block.a_first + r) : "";
    const std::string right =
        block.b_first + r <= block.b_last ? line_at(fb, block.b_first + r) : "";
    std::string row = "  " + column(left, kWidth) + " | " + right;
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out += row + "\n";
  }
  if (rows > kMostRows) out += "  (" + std::to_string(rows - kMostRows) + " more lines)\n";
}

}  // namespace

std::string write_report(const std::vector<HandIn>& hand_ins, const Options& options) {
  std::vector<std::map<uint64_t, std::vector<Place>>> prints;
  for (const HandIn& h : hand_ins) prints.push_back(counted_prints(h, options));
  std::vector<Pair> pairs;
  for (size_t a = 0; a < hand_ins.size(); ++a)
    for (size_t b = a + 1; b < hand_ins.size(); ++b) {
      Pair p{int(a), int(b)};
      for (const auto& [hash, places] : prints[a]) p.shared += prints[b].count(hash);
      p.a_percent = percent_shared(prints[a], prints[b]);
      p.b_percent = percent_shared(prints[b], prints[a]);
      pairs.push_back(p);
    }
  // Most shared first; ties by the two percentages together (100% of both is
  // a closer copy than 100% of one), then by name (a stable order).
  std::sort(pairs.begin(), pairs.end(), [](const Pair& x, const Pair& y) {
    const int xp = x.a_percent + x.b_percent, yp = y.a_percent + y.b_percent;
    if (x.shared != y.shared) return x.shared > y.shared;
    if (xp != yp) return xp > yp;
    return std::pair(x.a, x.b) < std::pair(y.a, y.b);
  });

  const Settings& s = options.settings;
  std::string out = "similarity report: " + std::to_string(hand_ins.size()) + " hand-ins in " +
                    options.dir + "\n";
  out += "method: tokens (names and literals normalised, comments dropped), k-grams of " +
         std::to_string(s.k) + " tokens, winnowing window " + std::to_string(s.w) +
         " (MOSS);\n        a shared run of " + std::to_string(s.w + s.k - 1) +
         " tokens or more is always found, one of fewer than " + std::to_string(s.k) +
         " never counts\n";
  if (!options.not_read.empty()) {
    out += "not read (no .cpp, .h or .patch):";
    for (const std::string& name : options.not_read) out += " " + name;
    out += "\n";
  }
  for (const std::string& base : options.bases)
    out += "base: " + base + " (what every hand-in shares with it is not counted)\n";
  out +=
      "\nThis report informs; it decides nothing. Code can be shared honestly (the skeleton, a\n"
      "formula everyone writes the same way, help the course allows): read the lines side by\n"
      "side, and talk to the students, before you judge.\n\n";
  out += "pairs, most shared first (shared: fingerprints in common; a%, b%: the part of each)\n";
  out += "rank  shared    a%    b%  a / b\n";
  int listed = 0, silent = 0;
  for (const Pair& p : pairs) {
    if (p.shared == 0) {
      ++silent;
      continue;
    }
    if (++listed > options.listed) continue;
    char row[64];
    std::snprintf(row, sizeof row, "%4d  %6zu  %3d%%  %3d%%  ", listed, p.shared, p.a_percent,
                  p.b_percent);
    out += row + hand_ins[p.a].name + " / " + hand_ins[p.b].name + "\n";
  }
  if (listed > options.listed)
    out += "(" + std::to_string(listed - options.listed) + " more pairs share a little)\n";
  if (silent > 0) out += "(" + std::to_string(silent) + " pairs share nothing)\n";

  for (int i = 0; i < options.top && i < int(pairs.size()) && pairs[i].shared > 0; ++i) {
    const Pair& p = pairs[i];
    const HandIn &a = hand_ins[p.a], &b = hand_ins[p.b];
    out += "\n== " + std::to_string(i + 1) + ". " + a.name + " / " + b.name + ": " +
           std::to_string(p.shared) + " shared fingerprints\n";
    for (const Block& block : shared_blocks(a, b, prints[p.a], prints[p.b], s.k))
      print_block(out, a, b, block);
  }
  return out;
}

}  // namespace similarity
