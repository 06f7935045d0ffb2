// core/ops/einsum.cpp: two-operand einsum as permute + reshape + bmm.
//
// Every letter of "A,B->O" is one of four kinds:
//   batch       in A, B and O        (b, h in "bhqd,bhkd->bhqk")
//   contracted  in A and B, not O    (d: summed by the matrix product)
//   left        in A and O only      (q)          right  in B and O only (k)
// (a letter in one operand only and not in O is summed out first). "..."
// first becomes one made-up label per dimension it covers, aligned from the
// right as broadcasting is: in "...ij,...jk->...ik" with a (5, 2, 3) and b
// (3, 4), the '...' of a is one batch label, absent from b. A size-1
// dimension that the other operand stretches is squeezed away, so its label
// belongs to the other operand only. Then
//   A -> permute to (batch.., left.., contracted..) -> reshape (Bt, M, K)
//   B -> permute to (batch.., contracted.., right..) -> reshape (Bt, K, N)
//   bmm -> (Bt, M, N) -> reshape (batch.., left.., right..) -> permute to O's order.
// No backward of its own: permute, reshape, sum and bmm carry the gradient.
#include "core/ops/einsum.h"

#include "core/ops/broadcast.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "core/ops/matmul.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"

namespace ag {
namespace {

struct Equation {
  std::string a, b, out;
};

const std::string kEllipsis = "...";

Equation parse(const std::string& equation) {
  std::string compact;
  for (char c : equation)
    if (c != ' ') compact += c;
  const size_t arrow = compact.find("->"), comma = compact.find(',');
  if (arrow == std::string::npos || comma == std::string::npos || comma > arrow ||
      compact.find(',', comma + 1) != std::string::npos)
    fail("einsum: equation \"", equation,
         "\" is not supported: write two operands and the output, like \"bij,bjk->bik\"");
  Equation e{compact.substr(0, comma), compact.substr(comma + 1, arrow - comma - 1),
             compact.substr(arrow + 2)};
  const char* part_names[3] = {"operand 0", "operand 1", "the output"};
  int k = 0;
  for (const std::string* part : {&e.a, &e.b, &e.out}) {
    const size_t ellipsis = part->find(kEllipsis);
    if (ellipsis != std::string::npos && part->find(kEllipsis, ellipsis + 3) != std::string::npos)
      fail("einsum: \"", *part, "\" in equation \"", equation, "\" has more than one '...'");
    for (size_t i = 0; i < part->size(); ++i) {
      const char c = (*part)[i];
      if (c == '.' && ellipsis != std::string::npos && i >= ellipsis && i < ellipsis + 3) continue;
      if (c == '.')
        fail("einsum: found '.' for ", part_names[k],
             " that is not part of any ellipsis (equation \"", equation,
             "\"); write '...' for several dimensions at once");
      if (!std::isalpha(static_cast<unsigned char>(c)))
        fail("einsum: '", std::string(1, c), "' in equation \"", equation, "\" is not a letter");
      if (part->find(c, i + 1) != std::string::npos)
        fail("einsum: letter '", std::string(1, c), "' appears twice in \"", *part,
             "\" (equation \"", equation, "\"); repeated letters (diagonals) are not supported");
    }
    ++k;
  }
  for (char c : e.out)
    if (c != '.' && e.a.find(c) == std::string::npos && e.b.find(c) == std::string::npos)
      fail("einsum: output letter '", std::string(1, c), "' of equation \"", equation,
           "\" appears in neither operand");
  return e;
}

// The made-up label of the j-th dimension under "...": not a letter, so it
// cannot clash with the equation's own (at most 127 of them).
char ellipsis_label(int64_t j) { return static_cast<char>(128 + j); }

// `part` with its "..." replaced by the labels of its last `covered` of the
// `all` dimensions under '...' (aligned from the right, as broadcasting is).
std::string with_labels(const std::string& part, int64_t covered, int64_t all) {
  const size_t at = part.find(kEllipsis);
  if (at == std::string::npos) return part;
  std::string labels;
  for (int64_t j = all - covered; j < all; ++j) labels += ellipsis_label(j);
  return part.substr(0, at) + labels + part.substr(at + 3);
}

bool has(const std::string& s, char c) { return s.find(c) != std::string::npos; }

// Sum away the letters of `x` (named by `letters`) that appear in neither `other` nor `out`.
Tensor sum_lonely(Tensor x, std::string& letters, const std::string& other,
                  const std::string& out) {
  for (size_t i = letters.size(); i-- > 0;)
    if (!has(other, letters[i]) && !has(out, letters[i])) {
      x = sum(x, static_cast<int64_t>(i));
      letters.erase(i, 1);
    }
  return x;
}

// x's dims reordered to `order` (letters), without a copy when already in order.
Tensor arrange(const Tensor& x, const std::string& letters, const std::string& order) {
  std::vector<int64_t> dims;
  for (char c : order) dims.push_back(static_cast<int64_t>(letters.find(c)));
  bool identity = true;
  for (size_t i = 0; i < dims.size(); ++i)
    identity = identity && dims[i] == static_cast<int64_t>(i);
  return identity ? x : permute(x, dims);
}

}  // namespace

Tensor einsum(const std::string& equation, const Tensor& a, const Tensor& b) {
  Equation e = parse(equation);
  const Tensor* operands[2] = {&a, &b};
  const std::string* parts[2] = {&e.a, &e.b};
  // 1. How many dimensions each '...' covers, and the shape they broadcast to.
  int64_t covered[2] = {0, 0};
  Shape under[2];  // the sizes under each operand's '...'
  for (int k = 0; k < 2; ++k) {
    const std::string& part = *parts[k];
    const size_t at = part.find(kEllipsis);
    const int64_t named = static_cast<int64_t>(part.size()) - (at == std::string::npos ? 0 : 3);
    const int64_t rank = operands[k]->dim();
    if (at == std::string::npos && named != rank)
      fail("einsum: operand ", k, " has shape ", operands[k]->shape(), " (", rank,
           " dimensions) but \"", part, "\" names ", named);
    if (at != std::string::npos && named > rank)
      fail("einsum: operand ", k, " has shape ", operands[k]->shape(), " (", rank,
           " dimensions) but \"", part, "\" names ", named, " besides '...'");
    if (at == std::string::npos) continue;
    covered[k] = rank - named;
    const Shape& s = operands[k]->shape();
    under[k].assign(s.begin() + static_cast<int64_t>(at),
                    s.begin() + static_cast<int64_t>(at) + covered[k]);
  }
  Shape broadcast;
  BroadcastClash clash;
  if (!try_broadcast_shapes(under[0], under[1], &broadcast, &clash))
    fail("einsum: the dimensions under '...' do not broadcast: ", under[0], " in operand 0 ",
         a.shape(), " and ", under[1], " in operand 1 ", b.shape(), " (", clash.a_size, " vs ",
         clash.b_size, ")");
  const int64_t all = static_cast<int64_t>(broadcast.size());
  if (all > 127) fail("einsum: '...' covers ", all, " dimensions; at most 127 are supported");

  // 2. Name every dimension; squeeze a size-1 one that the other operand stretches.
  Tensor xs[2] = {a, b};
  std::string la = with_labels(e.a, covered[0], all), lb = with_labels(e.b, covered[1], all);
  e.out = with_labels(e.out, all, all);
  std::string* labels[2] = {&la, &lb};
  for (int k = 0; k < 2; ++k)
    for (size_t i = labels[k]->size(); i-- > 0;) {
      const auto label = static_cast<unsigned char>((*labels[k])[i]);
      if (label >= 128 && xs[k].size(static_cast<int64_t>(i)) == 1 && broadcast[label - 128] != 1) {
        xs[k] = squeeze(xs[k], static_cast<int64_t>(i));
        labels[k]->erase(i, 1);
      }
    }

  // 3. Every letter has one size (the '...' labels agree by now).
  std::map<char, int64_t> size;
  std::map<char, int> first_operand;
  for (int k = 0; k < 2; ++k)
    for (size_t i = 0; i < labels[k]->size(); ++i) {
      const char c = (*labels[k])[i];
      const int64_t n = xs[k].size(static_cast<int64_t>(i));
      if (size.count(c) && size[c] != n)
        fail("einsum: letter '", std::string(1, c), "' has size ", size[c], " in operand ",
             first_operand[c], " ", operands[first_operand[c]]->shape(), " but size ", n,
             " in operand ", k, " ", operands[k]->shape());
      size[c] = n;
      first_operand.emplace(c, k);
    }
  for (int64_t j = 0; j < all; ++j) size.emplace(ellipsis_label(j), broadcast[j]);

  // 4. permute + reshape + one bmm.
  Tensor x = sum_lonely(xs[0], la, lb, e.out), y = sum_lonely(xs[1], lb, la, e.out);
  std::string batch, left, right, contracted;
  for (char c : la) (has(lb, c) ? (has(e.out, c) ? batch : contracted) : left) += c;
  for (char c : lb)
    if (!has(la, c)) right += c;
  auto product = [&](const std::string& s) {
    int64_t p = 1;
    for (char c : s) p *= size[c];
    return p;
  };
  const int64_t Bt = product(batch), M = product(left), K = product(contracted), N = product(right);
  Tensor xm = reshape(arrange(x, la, batch + left + contracted), {Bt, M, K});
  Tensor ym = reshape(arrange(y, lb, batch + contracted + right), {Bt, K, N});
  Shape result_shape;
  const std::string result_letters = batch + left + right;
  for (char c : result_letters) result_shape.push_back(size[c]);
  Tensor result = reshape(bmm(xm, ym), result_shape);
  return arrange(result, result_letters, e.out);
}

}  // namespace ag
