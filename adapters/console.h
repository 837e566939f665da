/*
 * console.h - driving the console adapter before the shared event loop
 * (issue 4) hosts adapters.  When the loop exists, `run` starts
 * adapter_console through adapter.h like every other adapter and this
 * header goes away.
 */
#ifndef GOVBOT_CONSOLE_H
#define GOVBOT_CONSOLE_H

#include <signal.h>
#include <stdio.h>

#include "chatbot/bot.h"

/* Reads lines from in_fd until end of file or until *stop becomes non-zero,
 * answers each on out (prompting with "gov> " when interactive).  The caller
 * is console:$USER.  Returns 0, or -1 on a read error (logged). */
int console_run(struct govbot *bot, int in_fd, FILE *out, int interactive,
		volatile sig_atomic_t *stop);

#endif
