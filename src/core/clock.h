/*
 * clock - the monotonic clock, for deadlines and durations (never for dates:
 * it does not jump when the wall clock is set).
 */
#ifndef SEKISHO_CORE_CLOCK_H
#define SEKISHO_CORE_CLOCK_H

long long clock_mono_ms(void);	/* milliseconds since an arbitrary start */
long long clock_mono_us(void);	/* microseconds since the same start */

#endif
