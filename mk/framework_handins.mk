# mk/framework_handins.mk: the suite's framework hand-ins, tests/exercise_handins/EX/STUDENT.patch.
#
# A framework hand-in is graded the one way a teacher grades a class, by
# make grade-all (mk/grading.mk): the grading tool lays each patch onto EX's
# hand-out, compiles the student's files, links the runner with the hand-out's
# other objects and runs EX's judge (tutorials/exercises/tools/grading/).
# tests/exercises/test_framework_handins.cpp asserts each report. Grading an
# assignment first builds its hand-out and cut library (tens of seconds), so
# make test grades one assignment's hand-ins (F6, whose hand-out
# test_handout.cpp builds anyway) and skips the others, which this runs:
#
#   make test-framework-handins    every framework hand-in graded, each report checked
.PHONY: test-framework-handins
test-framework-handins: $(TEST_BIN)
	./$(TEST_BIN) --no-skip -ts="F*" -tc="F? hand-in:*"
