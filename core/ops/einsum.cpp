// core/ops/einsum.cpp: two-operand einsum as permute + reshape + bmm.
//
// Every letter of "A,B->O" is one of four kinds:
//   batch       in A, B and O        (b, h in "bhqd,bhkd->bhqk")
//   contracted  in A and B, not O    (d: summed by the matrix product)
//   left        in A and O only      (q)          right  in B and O only (k)
// (a letter in one operand only and not in O is summed out first). Then
//   A -> permute to (batch.., left.., contracted..) -> reshape (Bt, M, K)
//   B -> permute to (batch.., contracted.., right..) -> reshape (Bt, K, N)
//   bmm -> (Bt, M, N) -> reshape (batch.., left.., right..) -> permute to O's order.
// No backward of its own: permute, reshape, sum and bmm carry the gradient.
#include "core/ops/einsum.h"

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

Equation parse(const std::string& equation) {
  std::string compact;
  for (char c : equation)
    if (c != ' ') compact += c;
  const size_t arrow = compact.find("->"), comma = compact.find(',');
  if (compact.find("...") != std::string::npos)
    fail("einsum: '...' is not supported (equation \"", equation, "\"); name every dimension with a letter");
  if (arrow == std::string::npos || comma == std::string::npos || comma > arrow ||
      compact.find(',', comma + 1) != std::string::npos)
    fail("einsum: equation \"", equation,
         "\" is not supported: write two operands and the output, like \"bij,bjk->bik\"");
  Equation e{compact.substr(0, comma), compact.substr(comma + 1, arrow - comma - 1), compact.substr(arrow + 2)};
  for (const std::string* part : {&e.a, &e.b, &e.out})
    for (size_t i = 0; i < part->size(); ++i) {
      const char c = (*part)[i];
      if (!std::isalpha(static_cast<unsigned char>(c)))
        fail("einsum: '", std::string(1, c), "' in equation \"", equation, "\" is not a letter");
      if (part->find(c, i + 1) != std::string::npos)
        fail("einsum: letter '", std::string(1, c), "' appears twice in \"", *part, "\" (equation \"", equation,
             "\"); repeated letters (diagonals) are not supported");
    }
  for (char c : e.out)
    if (e.a.find(c) == std::string::npos && e.b.find(c) == std::string::npos)
      fail("einsum: output letter '", std::string(1, c), "' of equation \"", equation,
           "\" appears in neither operand");
  return e;
}

bool has(const std::string& s, char c) { return s.find(c) != std::string::npos; }

// Sum away the letters of `x` (named by `letters`) that appear in neither `other` nor `out`.
Tensor sum_lonely(Tensor x, std::string& letters, const std::string& other, const std::string& out) {
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
  for (size_t i = 0; i < dims.size(); ++i) identity = identity && dims[i] == static_cast<int64_t>(i);
  return identity ? x : permute(x, dims);
}

}  // namespace

Tensor einsum(const std::string& equation, const Tensor& a, const Tensor& b) {
  Equation e = parse(equation);
  const Tensor* operands[2] = {&a, &b};
  const std::string* letters[2] = {&e.a, &e.b};
  std::map<char, int64_t> size;
  std::map<char, int> first_operand;
  for (int k = 0; k < 2; ++k) {
    if (static_cast<int64_t>(letters[k]->size()) != operands[k]->dim())
      fail("einsum: operand ", k, " has shape ", operands[k]->shape(), " (", operands[k]->dim(),
           " dimensions) but \"", *letters[k], "\" names ", letters[k]->size());
    for (size_t i = 0; i < letters[k]->size(); ++i) {
      const char c = (*letters[k])[i];
      const int64_t n = operands[k]->size(static_cast<int64_t>(i));
      if (size.count(c) && size[c] != n)
        fail("einsum: letter '", std::string(1, c), "' has size ", size[c], " in operand ", first_operand[c], " ",
             operands[first_operand[c]]->shape(), " but size ", n, " in operand ", k, " ", operands[k]->shape());
      size[c] = n;
      first_operand.emplace(c, k);
    }
  }
  std::string la = e.a, lb = e.b;
  Tensor x = sum_lonely(a, la, lb, e.out), y = sum_lonely(b, lb, la, e.out);

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
