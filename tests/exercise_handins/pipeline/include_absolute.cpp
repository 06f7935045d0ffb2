// A cheat: the solution through an absolute path that names no checkout,
// /proc/self/cwd (the compiler's working folder). The grader runs the
// compiler in the hand-in's scratch folder, so the file is not there; and
// were it found, the dependency list would name a file outside the hand-out.
#include "/proc/self/cwd/../../../../../tests/exercise_solutions/softmax_backward.cpp"
