/* tasks.h - lab 01's contract: tasks running in threads print whole lines on
 * a shared board and count themselves finished. Harness-owned: do not edit.
 *
 * Interface:
 *   board_new(fd)               a board whose lines go to fd (not closed by board_free)
 *   board_free(b)               releases the board; no task may still be using it
 *   board_say(b, id, what)      writes "Task <id>: <what>\n" to fd as one whole line;
 *                               many threads may call it at once
 *   task_run(b, id, work_ms)    says "starting", does work_sleep_ms(work_ms) exactly
 *                               once with no lock held, says "finishing", then counts
 *                               the task as finished
 *   board_finished(b)           how many tasks have finished so far
 * Boards are independent: nothing is shared between two boards, and one board
 * never waits for another.
 */
#ifndef TASKS_H
#define TASKS_H

struct board;                          /* opaque: defined by the student in tasks.c */
struct board *board_new(int fd);       /* a board whose lines go to fd */
void board_free(struct board *b);
void board_say(struct board *b, int id, const char *what); /* write "Task <id>: <what>\n" to fd as one whole line */
void task_run(struct board *b, int id, int work_ms);     /* say "starting", work_sleep_ms(work_ms), say "finishing", count the task as finished */
int board_finished(struct board *b);   /* how many tasks have finished */

#endif /* TASKS_H */
