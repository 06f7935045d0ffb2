// The reference solution handed in like any other file: it must score 100
// and keep to the allow-list (it is tests/exercise_solutions/softmax_backward.cpp).
#include "tests/exercise_solutions/softmax_backward.cpp"
