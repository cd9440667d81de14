# schedule.mk - the calls a controlled schedule (common/schedule.c) stands
# between: every program that links common/'s scheduler is linked with
# these -Wl,--wrap options, so its calls, and the libraries' linked into
# it, go through the scheduler's wrappers (which call the real function at
# once unless SCHEDULE is set). Included by common.mk and the Makefile.
comma := ,
SCHEDULE_WRAPS := pthread_create pthread_join pthread_exit pthread_mutex_lock \
  pthread_mutex_trylock pthread_mutex_unlock pthread_mutex_destroy pthread_cond_wait \
  pthread_cond_timedwait pthread_cond_signal pthread_cond_broadcast pthread_rwlock_rdlock \
  pthread_rwlock_wrlock pthread_rwlock_tryrdlock pthread_rwlock_trywrlock \
  pthread_rwlock_unlock pthread_barrier_init pthread_barrier_wait sched_yield nanosleep \
  usleep clock_nanosleep clock_gettime _ck_assert_failed \
  write
SCHEDULE_LDFLAGS := $(addprefix -Wl$(comma)--wrap=,$(SCHEDULE_WRAPS))
