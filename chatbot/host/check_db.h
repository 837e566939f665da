/*
 * check_db.h - what `govbot check-config` says of the configured database
 * without opening it for writing: a folder govbot cannot write (the
 * database, its -wal and -shm files are created there), a file that is not
 * a regular file or not writable, a schema this build does not know
 * (problems); a file or folder others may read or write (warnings: whoever
 * can write the database can be anyone, `ask --as` included).
 */
#ifndef GOVBOT_CHECK_DB_H
#define GOVBOT_CHECK_DB_H

#include "chatbot/util/util.h"

/* Appends one line per problem to problems and per warning to warnings,
 * each starting "database: ". */
void check_database(const char *path, struct buf *problems, struct buf *warnings);

#endif
