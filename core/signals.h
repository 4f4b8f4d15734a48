#ifndef PECCTL_SIGNALS_H
#define PECCTL_SIGNALS_H

/* Ctrl-C: the handler only sets a flag (nothing else is safe there); long
 * waits check it and stop at a safe point. */
void signals_install(void);
int signals_interrupted(void);
void signals_clear(void);
/* Sleep ms milliseconds; -1 as soon as the user interrupts. */
int signals_sleep_ms(long ms);

#endif
