/* granularity.h - lab 02's contract: a hash table (part A) and a bank
 * (part B) that many threads use at once, each access holding a lock while
 * it waits on a slow device. Harness-owned: do not edit.
 *
 * Interface, part A (table.c):
 *   table_new(nbuckets, latency_ms)  an empty table of nbuckets buckets; key k
 *                                    lives in bucket (unsigned)k % nbuckets
 *   table_free(t)                    releases the table; no thread may still use it
 *   table_put(t, key, value)         inserts key, or replaces its value
 *   table_get(t, key, &value)        true and *value if key is there, else false
 *   table_count(t)                   keys stored; only called when no thread uses t
 *   Each put and get calls work_sleep_ms(latency_ms) exactly once, while
 *   holding the lock that guards the key's bucket. Any thread, any time.
 *
 * Interface, part B (bank.c):
 *   bank_new(naccounts, initial, latency_ms)  accounts 0..naccounts-1, each
 *                                    holding initial
 *   bank_free(b)                     releases the bank; no thread may still use it
 *   bank_transfer(b, from, to, amount)  moves amount from `from` to `to` and
 *                                    returns true, or changes nothing and returns
 *                                    false when `from` holds less than amount;
 *                                    calls work_sleep_ms(latency_ms) exactly once
 *                                    while holding the locks of both accounts;
 *                                    from == to is allowed (it moves nothing)
 *   bank_balance(b, id)              one account's balance
 *   bank_total(b)                    the sum of all balances as it was at one
 *                                    moment, even while transfers run
 *   The caller promises 0 <= id < naccounts and amount >= 1. Any thread, any time.
 */
#ifndef GRANULARITY_H
#define GRANULARITY_H

#include <stdbool.h>

/* ---- part A: table.c ---- */
struct table;                           /* opaque: defined by the student in table.c */
struct table *table_new(int nbuckets, int latency_ms); /* nbuckets >= 1, latency_ms >= 0 */
void table_free(struct table *t);
void table_put(struct table *t, int key, int value);   /* insert key, or replace its value */
bool table_get(struct table *t, int key, int *value);  /* true and *value = its value if key is there */
int table_count(struct table *t);       /* keys stored; never called while threads use t */

/* ---- part B: bank.c ---- */
struct bank;                            /* opaque: defined by the student in bank.c */
struct bank *bank_new(int naccounts, long initial, int latency_ms); /* naccounts >= 1, initial >= 0 */
void bank_free(struct bank *b);
bool bank_transfer(struct bank *b, int from, int to, long amount); /* true: moved; false: refused, nothing changed */
long bank_balance(struct bank *b, int id);
long bank_total(struct bank *b);        /* a sum that was true at one moment */

#endif /* GRANULARITY_H */
